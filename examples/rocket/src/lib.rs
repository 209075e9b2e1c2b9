//! The example relying party for Rocket: OpenID Connect Back-Channel
//! Logout with `backchannel-logout-rocket`, keeping the examples' contract
//! (`examples/README.md`): the same environment, demo mode and routes as the
//! other frameworks' examples, so that one test suite drives them all.
//!
//! [`app`] is the wiring a real application copies: validator, key
//! source, receiver, session check, routes. Demo mode (the example playing
//! its own provider) lives apart, in `demo.rs` and the `example-support`
//! crate; a real application needs neither. [`serve_rocket`] is the
//! server loop: Rocket behind a front that cuts off slow clients.
#![forbid(unsafe_code)]

mod demo;
mod front;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::SystemTime;

use backchannel_logout::{SessionRecord, UnixTime};
use backchannel_logout_rocket::{LiveSession, LogoutCheck, logout_routes, record_login};
pub use example_support::{Config, ConfigError, Timeouts};
use example_support::{Setup, setup};
use rocket::fairing::AdHoc;
use rocket::figment::Figment;
use rocket::form::{Form, FromForm};
use rocket::http::{ContentType, CookieJar, Status};
use rocket::response::Redirect;
use rocket::{Build, Rocket, State, get, post};

/// The application, ready to serve.
#[derive(Debug)]
pub struct App {
    /// Rocket, with its routes and configuration.
    pub rocket: Rocket<Build>,
    /// One line naming the mode, for the start-up log.
    pub mode: String,
    /// What to print at start: in demo mode, the ready-to-paste `curl`
    /// commands; otherwise empty.
    pub banner: String,
}

/// Builds the application for a front listening on `addr` (demo mode is
/// its own provider at `http://addr`).
///
/// Rocket's configuration is its own (`ROCKET_*` variables, a
/// `Rocket.toml` if there is one: limits, say) except where the example
/// decides: Rocket listens on a loopback port of its choosing behind the
/// front, which listens on `BCL_LISTEN`; Rocket's own logging is quiet
/// (the example logs through `tracing`); the example handles Ctrl-C, and
/// Rocket handles no signal. The secret key that encrypts the session
/// cookies is `ROCKET_SECRET_KEY` when set; otherwise, and always in demo
/// mode, one generated at start (sessions then end when the example stops,
/// and instances do not share them). The key is never logged.
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] for a configuration error (the
/// provider's keys unreachable at start, say); another error when the demo
/// session cannot be made.
pub async fn app(config: Config, addr: SocketAddr) -> io::Result<App> {
    // The provider, the receiver and the marker store: the same in every
    // example (`example_support::setup` says how they are built).
    let Setup {
        demo,
        provider,
        mode,
        receiver,
        markers,
    } = setup(config, addr).await?;
    let demo = demo.map(demo::Demo);

    let mut figment = rocket_config();
    // Rocket's defaults hold an all-zero key: not a configured one.
    let configured_key = figment
        .extract_inner::<rocket::config::SecretKey>("secret_key")
        .is_ok_and(|key| !key.is_zero());
    let mut banner = String::new();
    if demo.is_some() || !configured_key {
        let key = cookie::Key::generate();
        figment = figment.merge(("secret_key", key.master()));
        if let Some(demo) = &demo {
            banner = demo.banner(&key)?;
        } else {
            tracing::warn!(
                "no ROCKET_SECRET_KEY: session cookies are encrypted with a key generated at start"
            );
        }
    }

    let mut rocket = rocket::custom(figment)
        .manage(LoginIssuer(provider.issuer.as_str().to_owned()))
        .mount("/", rocket::routes![whoami])
        // Every route taking `LiveSession`: a logged-out session is ended.
        .attach(LogoutCheck::new(markers))
        // No CSRF or authentication guard on it: the provider's call
        // carries no cookie and no CSRF token.
        .manage(receiver)
        .mount("/backchannel-logout", logout_routes());
    if provider.demo_login {
        rocket = rocket.mount("/", rocket::routes![login]);
    }
    if let Some(demo) = demo {
        rocket = rocket.manage(demo).mount("/", demo::routes());
    }
    Ok(App {
        rocket,
        mode,
        banner,
    })
}

/// Rocket's own configuration, and what the example sets over it.
fn rocket_config() -> Figment {
    rocket::Config::figment()
        .merge(("address", Ipv4Addr::LOCALHOST))
        .merge(("port", 0))
        .merge(("log_level", "critical"))
        .merge(("cli_colors", false))
        // The example stops on Ctrl-C, and a signal stops the process:
        // Rocket's own handlers would stop Rocket behind a running front.
        .merge(("shutdown.ctrlc", false))
        .merge(("shutdown.signals", Vec::<String>::new()))
}

/// Serves the application on `listener` until `shutdown` completes: logs
/// the address and mode, prints the demo banner on standard output.
///
/// # Errors
///
/// As [`app`] and [`serve_rocket`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let addr = listener.local_addr()?;
    let app = app(config, addr).await?;
    example_support::announce("example-rocket", addr, &app.mode, &app.banner);
    serve_rocket(listener, app.rocket, Timeouts::default(), shutdown).await
}

/// Launches `rocket` on a loopback port and serves it on `listener`
/// through the front that applies [`Timeouts`], until `shutdown`
/// completes; then lets Rocket finish the requests in flight (at most
/// 5 s).
///
/// # Errors
///
/// [`io::ErrorKind::InvalidInput`] when Rocket refuses to launch (its
/// configuration, or a route missing its managed state).
pub async fn serve_rocket(
    listener: tokio::net::TcpListener,
    rocket: Rocket<Build>,
    timeouts: Timeouts,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let launch_error =
        |e: rocket::Error| io::Error::new(io::ErrorKind::InvalidInput, format!("rocket: {e}"));
    let (bound, backend) = tokio::sync::oneshot::channel();
    let rocket = rocket
        .attach(AdHoc::on_liftoff("front", |rocket| {
            Box::pin(async move {
                let config = rocket.config();
                let _ = bound.send(SocketAddr::new(config.address, config.port));
            })
        }))
        .ignite()
        .await
        .map_err(launch_error)?;
    let stop = rocket.shutdown();
    let mut launched = tokio::spawn(rocket.launch());
    let backend = tokio::select! {
        addr = backend => addr.map_err(|_| io::Error::other("rocket stopped before it listened")),
        ended = &mut launched => match ended {
            Ok(Err(e)) => Err(launch_error(e)),
            _ => Err(io::Error::other("rocket stopped before it listened")),
        },
    }?;
    tokio::select! {
        () = front::relay_all(listener, backend, timeouts, shutdown) => {}
        // Rocket stopped on its own (a fairing's request): so does the front.
        _ = &mut launched => return Ok(()),
    }
    stop.notify();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), launched).await;
    Ok(())
}

/// `GET /whoami`: the live session, if any.
#[get("/whoami")]
fn whoami(session: LiveSession) -> (ContentType, String) {
    (
        ContentType::JSON,
        example_support::whoami(session.0.as_ref()).to_string(),
    )
}

/// The issuer recorded at login.
struct LoginIssuer(String);

#[derive(FromForm)]
struct LoginForm {
    sub: String,
    sid: Option<String>,
}

/// `POST /login`: stands in for the OpenID Connect login callback, which
/// records the validated ID token's `iss`, `sid` and `sub` the same way.
#[post("/login", data = "<form>")]
fn login(
    issuer: &State<LoginIssuer>,
    cookies: &CookieJar<'_>,
    form: Form<LoginForm>,
) -> Result<Redirect, (Status, String)> {
    let form = form.into_inner();
    let now = UnixTime::from_system_time(SystemTime::now());
    let record = SessionRecord::new(&issuer.0, form.sid, Some(form.sub), now)
        .map_err(|e| (Status::BadRequest, e.to_string()))?;
    record_login(cookies, record).map_err(|error| {
        tracing::error!(%error, "login failed");
        (Status::InternalServerError, String::new())
    })?;
    Ok(Redirect::to("/whoami"))
}
