//! The web origins where a clinic uses Oscar: the browser plug-in is active
//! on these and nowhere else.

use serde::{Deserialize, Serialize};

/// Why an origin counts as the clinic's Oscar.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OriginSource {
    /// The address of the clinic's Oscar connection.
    OscarConnection,
    /// Added by a clinic administrator.
    Added,
}

/// One origin, `scheme://host[:port]` as browsers write it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OscarOrigin {
    /// The origin.
    pub origin: String,
    /// Why it counts.
    pub source: OriginSource,
}

/// `GET /api/clinic/origins`: where the plug-in may run for this clinic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OscarOrigins {
    /// Connection's first, then added ones in alphabetical order.
    pub origins: Vec<OscarOrigin>,
}

/// `POST /api/clinic/origins` and `DELETE /api/clinic/origins`: one origin.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginRequest {
    /// `https://host[:port]` (plain http only on this computer's loopback).
    pub origin: String,
}
