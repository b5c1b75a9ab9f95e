//! Acknowledged messages survive `kill -9` (written by the durability task).
