//! Starting `examples/axum` in process.

use crate::{Env, SLOW_CLIENT_TIMEOUT, Server, bind_and_build, start_thread, tokio_runtime};

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
    start_thread(move |ready, stopped| {
        let Some(runtime) = tokio_runtime(&ready) else {
            return;
        };
        runtime.block_on(async move {
            let listen = config.listen;
            let build = |addr| async move {
                let app = example_axum::app(config, addr).await?;
                Ok((app.router, app.banner))
            };
            if let Some((listener, router)) = bind_and_build(listen, &ready, build).await {
                let _ = example_axum::serve_router(listener, router, TIMEOUTS, stopped).await;
            }
        });
    })
}
