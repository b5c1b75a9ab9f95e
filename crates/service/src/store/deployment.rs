//! Checks that this instance holds the secret key the database was set up
//! with. Every instance of a deployment must share one key: with another,
//! sealed Oscar credentials would not open and patients' identity hashes
//! would not match, so starting would fail in confusing ways later.

use super::{Db, Result, StoreError};
use crate::{args, crypto};

/// Records the key's check value on first start; afterwards refuses a
/// different key.
pub async fn check_secret_key(db: &Db, key: &[u8]) -> Result<()> {
    let check = hex::encode(crypto::keyed_hash(key, "deployment-key-check", "cortico"));
    db.write(move |w| {
        Box::pin(async move {
            w.execute(
                "INSERT INTO deployment (name, value) VALUES ('key_check', $1) ON CONFLICT (name) DO NOTHING",
                args![check.as_str()],
            )
            .await?;
            let stored: String = w.scalar("SELECT value FROM deployment WHERE name = 'key_check'", vec![]).await?;
            if crypto::same(stored.as_bytes(), check.as_bytes()) {
                Ok(())
            } else {
                Err(StoreError::Rejected(
                    "this instance's secret key is not the one the database was set up with: give every \
                     instance the same CORTICO_SECRET_KEY (or the same <data-dir>/secret.key)"
                        .into(),
                ))
            }
        })
    })
    .await
}
