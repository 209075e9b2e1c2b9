//! Starting `examples/axum` in process.

use std::sync::mpsc;

use crate::{Env, SLOW_CLIENT_TIMEOUT, Server};

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
    let (ready, started) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let runtime = match tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
        {
            Ok(runtime) => runtime,
            Err(e) => {
                let _ = ready.send(Err(e.to_string()));
                return;
            }
        };
        runtime.block_on(async move {
            let listener = match tokio::net::TcpListener::bind(config.listen).await {
                Ok(listener) => listener,
                Err(e) => {
                    let _ = ready.send(Err(format!("BCL_LISTEN: {e}")));
                    return;
                }
            };
            let app = match listener.local_addr() {
                Ok(addr) => example_axum::app(config, addr).await.map(|app| (addr, app)),
                Err(e) => Err(e),
            };
            let (addr, app) = match app {
                Ok(started) => started,
                Err(e) => {
                    let _ = ready.send(Err(e.to_string()));
                    return;
                }
            };
            let _ = ready.send(Ok((addr, app.banner)));
            let _ = example_axum::serve_router(listener, app.router, TIMEOUTS, async {
                let _ = stopped.await;
            })
            .await;
        });
    });
    let (addr, banner) = started
        .recv()
        .map_err(|_| "the example's thread ended before it started".to_owned())??;
    Ok(Server::new(addr, banner, move || {
        let _ = stop.send(());
    }))
}
