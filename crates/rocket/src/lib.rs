//! [Rocket](https://rocket.rs) 0.5 adapter for OpenID Connect Back-Channel
//! Logout 1.0: mount the logout endpoint in one line, and end logged-out
//! sessions on every later request, over Rocket's private cookies.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod endpoint;
mod session;

pub use backchannel_logout::{SESSION_KEY, SessionCheck, SessionRecord, SharedReceiver};
pub use endpoint::{CoreResponse, LogoutBody, MissingReceiver, logout_handler, logout_routes};
pub use session::{LiveSession, LogoutCheck, record_login, session_cookie};
