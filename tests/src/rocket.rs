//! Starting `examples/rocket` in process.

use crate::{Env, SLOW_CLIENT_TIMEOUT, Server, start_on_thread};

/// The example's own server loop (its front), with its timeouts shortened
/// so that the slow-client case runs quickly.
const TIMEOUTS: example_rocket::Timeouts = example_rocket::Timeouts {
    request: SLOW_CLIENT_TIMEOUT,
    idle: SLOW_CLIENT_TIMEOUT,
};

/// Starts `example-rocket` on its own thread and runtime, as its `main`
/// would.
///
/// # Errors
///
/// The example's configuration error, a failure to listen, or Rocket
/// refusing to launch.
pub fn start(env: Env) -> Result<Server, String> {
    let config = example_rocket::Config::from_vars(env).map_err(|e| e.to_string())?;
    start_on_thread(config.listen, |listener, addr, stopped| async move {
        let app = example_rocket::app(config, addr)
            .await
            .map_err(|e| e.to_string())?;
        let serve = example_rocket::serve_rocket(listener, app.rocket, TIMEOUTS, async {
            let _ = stopped.await;
        });
        Ok((
            app.banner,
            Box::pin(async {
                let _ = serve.await;
            }) as _,
        ))
    })
}
