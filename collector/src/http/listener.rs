//! The TCP side of the HTTP server, in front of the routes: a cap on the connections one
//! client IP holds open (`server.max_connections_per_ip`), and the answer to
//! `Expect: 100-continue`, which refuses a beacon by its headers (size, media type, encoding)
//! instead of inviting a body that will be refused. actix-web's `HttpServer` has a hook for
//! neither, so the server is assembled from actix-server and actix-http as `HttpServer` does.

use super::body::{self, BodyLimits};
use crate::refusal::Refusal;
use crate::telemetry::Telemetry;
use actix_http::body::BoxBody;
use actix_http::{HttpService, Method, Request, Response};
use actix_server::{Server, ServerBuilder};
use actix_service::{fn_factory, fn_service, map_config, IntoServiceFactory, Service};
use actix_service::{ServiceFactory, ServiceFactoryExt};
use actix_web::body::MessageBody;
use actix_web::dev::AppConfig;
use actix_web::HttpMessage;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use super::per_ip::PerIpSlots;

/// What the listener needs from the configuration.
pub struct ListenerConfig {
    /// Address to listen on.
    pub listen: String,
    /// Worker threads (0: one per core).
    pub workers: usize,
    /// Open connections one client IP may hold (0: no cap).
    pub max_connections_per_ip: u32,
    /// Peers that are not capped: proxies carry many clients' connections.
    pub trusted_proxies: Vec<IpAddr>,
    /// The beacon body limits the expect answer checks the headers against.
    pub body_limits: BodyLimits,
}

/// Seconds a graceful stop waits for open requests.
const SHUTDOWN_TIMEOUT_S: u64 = 5;

/// Builds the server (bound, not yet running) around the app made by `app`.
pub fn server<F, I, S, B>(
    cfg: ListenerConfig,
    telemetry: Arc<Telemetry>,
    app: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let connections = Arc::new(PerIpSlots::new(cfg.max_connections_per_ip));
    let trusted: Arc<[IpAddr]> = cfg.trusted_proxies.into();
    let limits = cfg.body_limits;
    let mut builder = ServerBuilder::new().shutdown_timeout(SHUTDOWN_TIMEOUT_S);
    if cfg.workers > 0 {
        builder = builder.workers(cfg.workers);
    }
    let stopping = builder.graceful_shutdown_signal();
    let builder = builder.bind("rum-collector", &cfg.listen, move || {
        let stopping = stopping.clone();
        let telemetry = telemetry.clone();
        let (connections, trusted) = (connections.clone(), trusted.clone());
        let http = HttpService::build()
            // Idle keep-alive connections close as soon as a stop begins.
            .graceful_shutdown_signal(move || {
                let stopping = stopping.clone();
                async move { stopping.notified().await }
            })
            .client_request_timeout(Duration::from_secs(5))
            .expect(fn_service({
                let telemetry = telemetry.clone();
                move |req: Request| {
                    let answer = expect(&req, &limits, &telemetry).map(|()| req);
                    async move { answer }
                }
            }))
            .finish(map_config(
                app().into_factory().map_err(|e| e.into().error_response()),
                // The app never builds URLs or falls back on a configured host name.
                |_| AppConfig::default(),
            ))
            .tcp();
        // Each connection holds a slot of its client IP for as long as it is open.
        fn_factory(move || {
            let http = http.new_service(());
            let (connections, trusted) = (connections.clone(), trusted.clone());
            let telemetry = telemetry.clone();
            async move {
                let http = Rc::new(http.await?);
                Ok::<_, ()>(fn_service(move |io: actix_rt::net::TcpStream| {
                    let peer = io.peer_addr().ok().map(|a| a.ip());
                    let slot = match (&*connections, peer) {
                        (Some(slots), Some(ip)) if !trusted.contains(&ip) => match slots.take(ip) {
                            Some(slot) => Some(slot),
                            None => {
                                super::beacon::count_refusal(
                                    &telemetry,
                                    Refusal::TooManyConnections,
                                );
                                return futures_util::future::Either::Left(async { Ok(()) });
                            }
                        },
                        _ => None,
                    };
                    let served = http.call(io);
                    futures_util::future::Either::Right(async move {
                        let result = served.await;
                        drop(slot);
                        result
                    })
                }))
            }
        })
    })?;
    Ok(builder.run())
}

/// Answers `Expect: 100-continue`: a beacon its headers already refuse gets that refusal
/// instead of an invitation to send its body.
fn expect(
    req: &Request,
    limits: &BodyLimits,
    telemetry: &Telemetry,
) -> Result<(), Response<BoxBody>> {
    if req.method() != Method::POST || req.path() != "/v1/beacon" {
        return Ok(());
    }
    body::framing(req.headers(), limits)
        .map(|_| ())
        .map_err(|r| {
            super::beacon::count_refusal(telemetry, r);
            Response::build(r.status())
                .force_close()
                .content_type("application/json")
                .message_body(BoxBody::new(format!("{{\"error\":\"{}\"}}", r.code())))
                .unwrap_or_else(Response::from)
        })
}
