//! What the benchmarks of `backchannel-logout` measure, shared by the bench
//! targets: a realistic logout token per algorithm ([`fixture`]), the raw
//! signature verification it cannot go below ([`floor`]), and the same
//! validation done by other JWT crates ([`peers`]).
//!
//! Every implementation is checked to accept the fixture before it is timed,
//! so no benchmark can measure an error path by mistake.
//!
//! Results and the commands that produce them: `docs/benchmarks.md`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod fixture;
pub mod floor;
pub mod peers;

pub use fixture::{ALGORITHMS, CLIENT_ID, Fixture, ISSUER, OURS_BACKEND};
