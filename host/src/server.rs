//! `plancheck serve`: opens the store, sets up authentication, telemetry
//! and the validation service, binds the socket, compiles packs in the
//! background, serves [`crate::api`] until SIGINT/SIGTERM, then shuts down
//! gracefully.

use std::io::Write;
use std::sync::{Arc, RwLock};

use anyhow::Context;

use crate::api::{self, AppState, Packs};
use crate::auth::Authenticator;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::packs::lifecycle::Lifecycle;
use crate::sandbox::Sandbox;
use crate::service::Service;
use crate::store::Store;

/// Runs the server until a shutdown signal. Prints
/// `plancheck: listening on http://ADDR` to `out` once bound (after the
/// development-key notice, if a key was generated).
pub fn serve(config: Config, out: &mut dyn Write) -> anyhow::Result<()> {
    let _telemetry = crate::telemetry::init(&config.telemetry)
        .map_err(|e| anyhow::anyhow!("cannot start telemetry: {e}"))?;
    std::fs::create_dir_all(&config.data_dir).with_context(|| {
        format!(
            "cannot create the data directory {}",
            config.data_dir.display()
        )
    })?;
    let store = Store::open(&config.data_dir.join("db")).map_err(|e| anyhow::anyhow!("{e}"))?;
    let auth = Authenticator::new(&config.auth, &config.data_dir)
        .map_err(|e| anyhow::anyhow!("cannot set up authentication: {e}"))?;
    if let Some(notice) = auth.dev_key_notice() {
        writeln!(out, "{notice}")?;
    }
    let trust = crate::packs::trust::Trust::new(config.trust.clone())
        .map_err(|e| anyhow::anyhow!("invalid [trust] configuration: {e}"))?;
    if let Some(notice) = trust.notice() {
        writeln!(out, "{notice}")?;
        tracing::warn!("{notice}");
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = rt.block_on(async move {
        let sandbox = Arc::new(
            Sandbox::new(config.sandbox_config())
                .map_err(|e| anyhow::anyhow!("cannot start the sandbox: {e:#}"))?,
        );
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("cannot listen on {}", config.listen))?;
        let addr = listener.local_addr()?;
        let metrics = Arc::new(Metrics::new());
        let packs = Arc::new(RwLock::new(Packs::Loading));
        let config = Arc::new(config);
        let service = Arc::new(Service::new(
            sandbox.clone(),
            packs.clone(),
            store,
            metrics.clone(),
            config.clone(),
        ));
        let live = Arc::new(crate::live::Hub::for_service(
            service.clone(),
            config.live.clone(),
        ));
        let lifecycle = Arc::new(Lifecycle::new(service.clone(), trust));
        {
            let live = live.clone();
            lifecycle.subscribe(move |ev| live.pack_swapped(ev));
        }
        let state = AppState {
            service,
            auth: Arc::new(auth),
            metrics,
            live: live.clone(),
            lifecycle: lifecycle.clone(),
        };
        writeln!(out, "plancheck: listening on http://{addr}")?;
        out.flush()?;
        tracing::info!(%addr, packs_dir = %config.packs_dir.display(), data_dir = %config.data_dir.display(), "listening");

        // Packs directory, then published versions restored from the
        // store (compiled code from the cache), then the watched directory.
        let watch = config.packs.watch_dir.clone().map(|d| {
            (
                d,
                std::time::Duration::from_millis(config.packs.watch_interval_ms.max(50)),
            )
        });
        tokio::task::spawn_blocking(move || {
            lifecycle.start();
            if let Some((dir, every)) = watch {
                crate::packs::watch::spawn(lifecycle, dir, every);
            }
        });

        // TCP_NODELAY on every connection: a response goes out as several
        // writes (headers and record, the report, the end), and with Nagle's
        // algorithm a short last segment waits for the peer's delayed ACK.
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|tcp| {
            if let Err(e) = tcp.set_nodelay(true) {
                tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
            }
        });
        axum::serve(listener, api::router(state))
            .with_graceful_shutdown(async move {
                shutdown().await;
                // Live sessions are upgraded connections the server does
                // not wait for: close them (1001) first.
                live.shutdown(std::time::Duration::from_secs(2)).await;
            })
            .await
            .context("the server failed")
    });
    // Checks (or pack compilation) still running on blocking threads get a
    // short grace period; then the process exits without waiting for them.
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// How long shutdown waits for blocking work after the last response.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

async fn shutdown() {
    let int = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let term = async move {
            match term.as_mut() {
                Some(t) => {
                    t.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! { _ = int => {}, _ = term => {} }
    }
    #[cfg(not(unix))]
    {
        let _ = int.await;
    }
    tracing::info!("shutting down");
}
