//! Starting `examples/actix` in process.

use std::sync::mpsc;

use crate::{Env, SLOW_CLIENT_TIMEOUT, Server};

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
    let (ready, started) = mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let listener = match tokio::net::TcpListener::bind(config.listen).await {
                Ok(listener) => listener,
                Err(e) => {
                    let _ = ready.send(Err(format!("BCL_LISTEN: {e}")));
                    return;
                }
            };
            let app = match listener.local_addr() {
                Ok(addr) => example_actix::app(config, addr)
                    .await
                    .map(|app| (addr, app)),
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
            let _ = example_actix::serve_routes(listener, app.routes, TIMEOUTS, async {
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
