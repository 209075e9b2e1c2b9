//! Starting `examples/actix` in process.

use crate::{Env, SLOW_CLIENT_TIMEOUT, Server, bind_and_build, start_thread};

/// The example's own server, with its timeouts shortened so that the
/// slow-client case runs quickly.
const TIMEOUTS: example_actix::Timeouts = example_actix::Timeouts {
    header: SLOW_CLIENT_TIMEOUT,
    request: SLOW_CLIENT_TIMEOUT,
};

/// Starts `example-actix` on its own thread and Actix system, as its `main`
/// would (Actix then runs its workers on threads of their own).
///
/// # Errors
///
/// The example's configuration error, or a failure to listen.
pub fn start(env: Env) -> Result<Server, String> {
    let config = example_actix::Config::from_vars(env).map_err(|e| e.to_string())?;
    start_thread(move |ready, stopped| {
        actix_web::rt::System::new().block_on(async move {
            let listen = config.listen;
            let build = |addr| async move {
                let app = example_actix::app(config, addr).await?;
                Ok((app.routes, app.banner))
            };
            if let Some((listener, routes)) = bind_and_build(listen, &ready, build).await {
                let _ = example_actix::serve_routes(listener, routes, TIMEOUTS, stopped).await;
            }
        });
    })
}
