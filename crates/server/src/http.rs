//! The optional HTTP endpoint for operators: `/metrics` (Prometheus text), `/healthz`,
//! `/readyz`, `POST /drain` / `POST /undrain` (see `namesrv_actors::drain`), and RocketMQ's
//! address-server answer at `/rocketmq/nsaddr` (clients configured with a name-server
//! domain fetch the replica list there).
//!
//! The writes (`/drain`, `/undrain`) take a replica out of service, so when an admin policy
//! is configured they are held to it as the remoting port's admin codes are (see
//! `namesrv_actors::auth`: an admin address, or a signature in the headers); a refusal is a
//! 403, logged and counted like a remoting refusal. The reads stay open: probes and scrapers
//! carry no credentials, and what they show is not secret.
//!
//! It runs on the main thread's runtime, apart from the remoting workers, so a scrape never
//! competes with a broker's registration for a worker. Gauges that live in the route owner's
//! state (brokers, topics) are refreshed from it at scrape time.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use actix::Addr;
use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use namesrv_actors::auth::{
    AuthPolicy, Denied, HttpCredentials, ACCESS_KEY_FIELD, SIGNATURE_FIELD, TIMESTAMP_HEADER,
};
use namesrv_actors::drain;
use namesrv_actors::liveness::LivenessActor;
use namesrv_actors::messages::{GetBrokerSilences, GetRouteStats};
use namesrv_actors::metrics::metrics;
use namesrv_actors::route::RouteActor;
use tokio::net::TcpListener;
use tracing::warn;

/// What the endpoint asks, and serves.
#[derive(Clone)]
pub struct HttpContext {
    pub route: Addr<RouteActor>,
    pub liveness: Addr<LivenessActor>,
    /// Served at `/rocketmq/nsaddr` (RocketMQ's address-server protocol); empty = 404.
    pub address_server_list: String,
    /// Who may drain and undrain.
    pub auth: Arc<AuthPolicy>,
    /// The embedded controller's engine, if one runs: `/readyz` then also needs a leader.
    pub controller: Option<namesrv_controller::raft::Raft>,
}

/// Serves until the task is dropped.
pub async fn serve(listener: TcpListener, cx: HttpContext) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                warn!(error = %e, "HTTP accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let cx = cx.clone();
        actix::spawn(async move {
            let service = service_fn(move |req| answer(req, cx.clone(), peer));
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                warn!(%peer, error = %e, "HTTP connection failed");
            }
        });
    }
}

async fn answer(
    req: Request<Incoming>,
    cx: HttpContext,
    peer: SocketAddr,
) -> Result<Response<Full<Bytes>>, Infallible> {
    if is_write(req.method(), req.uri().path()) {
        if let Err(denied) = admit(&req, &cx.auth, peer) {
            warn!(%peer, method = %req.method(), path = req.uri().path(), reason = %denied, "HTTP write refused");
            metrics()
                .auth_rejections
                .with_label_values(&[denied.label()])
                .inc();
            return Ok(Response::builder()
                .status(StatusCode::FORBIDDEN)
                .header("content-type", "text/plain")
                .body(Full::new(Bytes::from(format!("forbidden: {denied}\n"))))
                .unwrap_or_default());
        }
    }
    let route = &cx.route;
    let (status, content_type, body) = match (req.method(), req.uri().path()) {
        (&Method::GET, "/metrics") => {
            if let Ok(stats) = route.send(GetRouteStats).await {
                metrics().live_brokers.set(stats.brokers as i64);
                metrics().topics.set(stats.topics as i64);
            }
            if let Ok(silences) = cx.liveness.send(GetBrokerSilences).await {
                let gauge = &metrics().broker_silence;
                gauge.reset();
                for (key, silence) in silences {
                    gauge
                        .with_label_values(&[&key.cluster_name, &key.broker_addr])
                        .set(silence.as_secs_f64());
                }
            }
            (
                StatusCode::OK,
                "text/plain; version=0.0.4",
                metrics().render(),
            )
        }
        (&Method::GET, "/healthz") => (StatusCode::OK, "text/plain", "ok\n".to_owned()),
        (&Method::GET, path)
            if path.starts_with("/rocketmq/") && !cx.address_server_list.is_empty() =>
        {
            (StatusCode::OK, "text/plain", cx.address_server_list.clone())
        }
        (&Method::POST, "/drain") => {
            drain::set_draining(true);
            tracing::info!("draining: route queries are turned away");
            (StatusCode::OK, "text/plain", "draining\n".to_owned())
        }
        (&Method::POST, "/undrain") => {
            drain::set_draining(false);
            tracing::info!("draining stopped");
            (StatusCode::OK, "text/plain", "serving\n".to_owned())
        }
        (&Method::GET, "/readyz") if drain::is_draining() => (
            StatusCode::SERVICE_UNAVAILABLE,
            "text/plain",
            "draining\n".to_owned(),
        ),
        (&Method::GET, "/readyz")
            if cx
                .controller
                .as_ref()
                .is_some_and(|raft| raft.metrics().borrow().current_leader.is_none()) =>
        {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "the controller group has no leader\n".to_owned(),
            )
        }
        (&Method::GET, "/readyz") => match route.send(GetRouteStats).await {
            Ok(_) => (StatusCode::OK, "text/plain", "ready\n".to_owned()),
            Err(_) => (
                StatusCode::SERVICE_UNAVAILABLE,
                "text/plain",
                "route owner unavailable\n".to_owned(),
            ),
        },
        (_, path) => match allowed_method(path, &cx) {
            Some(allow) => {
                return Ok(Response::builder()
                    .status(StatusCode::METHOD_NOT_ALLOWED)
                    .header("content-type", "text/plain")
                    .header("allow", allow.as_str())
                    .body(Full::new(Bytes::from(format!("use {allow}\n"))))
                    .unwrap_or_default())
            }
            None => (
                StatusCode::NOT_FOUND,
                "text/plain",
                "not found\n".to_owned(),
            ),
        },
    };
    Ok(Response::builder()
        .status(status)
        .header("content-type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap_or_default())
}

fn is_write(method: &Method, path: &str) -> bool {
    method == Method::POST && matches!(path, "/drain" | "/undrain")
}

fn admit(req: &Request<Incoming>, auth: &AuthPolicy, peer: SocketAddr) -> Result<(), Denied> {
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    let credentials = HttpCredentials {
        access_key: header(ACCESS_KEY_FIELD),
        signature: header(SIGNATURE_FIELD),
        timestamp: header(TIMESTAMP_HEADER),
    };
    auth.check_http(
        req.method().as_str(),
        req.uri().path(),
        peer.ip(),
        credentials,
        SystemTime::now(),
    )
}

/// The one method a known path answers, so another method gets 405 rather than 404.
fn allowed_method(path: &str, cx: &HttpContext) -> Option<Method> {
    match path {
        "/metrics" | "/healthz" | "/readyz" => Some(Method::GET),
        "/drain" | "/undrain" => Some(Method::POST),
        p if p.starts_with("/rocketmq/") && !cx.address_server_list.is_empty() => Some(Method::GET),
        _ => None,
    }
}
