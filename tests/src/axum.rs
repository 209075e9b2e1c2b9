//! Starting `examples/axum` in process.

use crate::{Env, SLOW_CLIENT_TIMEOUT, Server, start_on_thread};

/// The example's own server loop, with its timeouts shortened so that the
/// slow-client case runs quickly.
const TIMEOUTS: example_axum::Timeouts = example_axum::Timeouts {
    header: SLOW_CLIENT_TIMEOUT,
    request: SLOW_CLIENT_TIMEOUT,
};

/// Starts `example-axum` on its own thread and runtime, as its `main` would.
///
/// # Errors
///
/// The example's configuration error, or a failure to listen.
pub fn start(env: Env) -> Result<Server, String> {
    let config = example_axum::Config::from_vars(env).map_err(|e| e.to_string())?;
    start_on_thread(config.listen, |listener, addr, stopped| async move {
        let app = example_axum::app(config, addr)
            .await
            .map_err(|e| e.to_string())?;
        let serve = example_axum::serve_router(listener, app.router, TIMEOUTS, async {
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
