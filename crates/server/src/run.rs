//! Start-up: opens the store, registers the configured (or demo) parties and their first
//! tokens, starts the live tasks, loads the strategic and safety-net state, and serves until
//! Ctrl-C.

use crate::app::app;
use crate::clock::Clock;
use crate::config::{AircraftClaims, Config};
use crate::domain::parties::{new_token, token_hash, Directory};
use crate::http::state::AppState;
use crate::live::checkpoints::Checkpoints;
use crate::live::{self, demo, safety, sources, strategic, Live};
use crate::metrics::Metrics;
use deconflict_store::{CheckpointSigner, Party, Role, Sharing, Store};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// How `deconflict serve` was asked to run.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// Demo mode: built-in parties and traffic.
    pub demo: bool,
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The store failed.
    #[error("store: {0}")]
    Store(#[from] deconflict_store::StoreError),
    /// Binding or serving failed.
    #[error("{context}")]
    Io {
        /// What was being done.
        context: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The safety-net regions could not be loaded.
    #[error("safety-net regions: {0}")]
    Regions(String),
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
}

fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> ServerError {
    let context = context.into();
    move |source| ServerError::Io { context, source }
}

/// Issues a token for `party` and returns it.
pub fn issue_token(
    store: &dyn Store,
    actor: &str,
    party: &str,
) -> Result<String, deconflict_store::StoreError> {
    let (id, token) = new_token();
    store.create_token(actor, &id, party, &token_hash(&token))?;
    Ok(token)
}

fn write_secret(path: &std::path::Path, text: &str) -> Result<(), ServerError> {
    std::fs::write(path, text).map_err(io(format!("cannot write {}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    Ok(())
}

use crate::domain::ownership::CLAIMS;

/// Every party's aircraft registration as stored.
pub(crate) fn stored_claims(
    store: &dyn Store,
) -> Result<BTreeMap<String, AircraftClaims>, ServerError> {
    let mut out = BTreeMap::new();
    for (party, body, _) in store.list_documents(CLAIMS)? {
        match serde_json::from_value::<AircraftClaims>(body) {
            Ok(c) => {
                out.insert(party, c);
            }
            Err(e) => {
                tracing::error!(party, error = %e, "unreadable aircraft registration; ignored")
            }
        }
    }
    Ok(out)
}

/// The demo parties' aircraft: blue's and red's ICAO address blocks and track-number prefixes
/// (the scenario's fighters are AE10xx and 150Axx).
fn demo_claims() -> Vec<(String, AircraftClaims)> {
    let claims = |icao: &str, prefix: &str| AircraftClaims {
        icao: vec![icao.into()],
        prefixes: vec![prefix.into()],
    };
    vec![
        ("blue".into(), claims("AE1000-AE10FF", "BLU")),
        ("red".into(), claims("150A00-150AFF", "RED")),
    ]
}

/// Registers missing parties (from the config, or the demo set) and, in demo mode or when no
/// cell token exists yet, issues tokens and writes them to the data directory.
fn bootstrap(store: &dyn Store, config: &Config, opts: &ServeOptions) -> Result<(), ServerError> {
    let mut wanted: Vec<Party> = config
        .parties
        .iter()
        .map(|p| {
            Party::new(
                &p.id,
                p.name.as_deref().unwrap_or(&p.id),
                p.role,
                p.sharing.unwrap_or(config.sharing),
            )
        })
        .collect();
    if opts.demo {
        wanted = vec![
            Party::new("blue", "Blue Coalition", Role::Party, Sharing::full()),
            Party::new("red", "Red Coalition", Role::Party, Sharing::alerts_only()),
            Party::new("cell", "Deconfliction Cell", Role::Cell, Sharing::full()),
            Party::new(
                "monitor",
                "Independent Monitor",
                Role::Observer,
                Sharing::full(),
            ),
        ];
    }
    for p in &wanted {
        if store.get_party(&p.id)?.is_none() {
            store.create_party("system", p)?;
        }
    }
    // The aircraft each party may report, registered once (later changes go through the API).
    let claims: Vec<(String, AircraftClaims)> = if opts.demo {
        demo_claims()
    } else {
        config
            .parties
            .iter()
            .filter_map(|p| Some((p.id.clone(), p.aircraft.clone()?)))
            .collect()
    };
    for (party, c) in claims {
        if store.get_document(CLAIMS, &party)?.is_some() {
            continue;
        }
        let c = c
            .validated()
            .map_err(|e| ServerError::Config(format!("[[parties]] {party}: aircraft: {e}")))?;
        let body = serde_json::to_value(&c).unwrap_or_default();
        store.put_document("system", "party.aircraft", CLAIMS, &party, &body, None)?;
    }
    if opts.demo {
        let mut tokens = BTreeMap::new();
        for p in &wanted {
            tokens.insert(p.id.clone(), issue_token(store, "system", &p.id)?);
        }
        let json = serde_json::to_string_pretty(&tokens).unwrap_or_default();
        write_secret(&config.data_dir.join("demo-tokens.json"), &json)?;
        println!("demo parties: blue (sharing full), red (sharing alerts-only), cell (cell), monitor (observer)");
        for (p, t) in &tokens {
            println!("token {p}: {t}");
        }
        println!(
            "tokens written to {}",
            config.data_dir.join("demo-tokens.json").display()
        );
    } else {
        let parties = store.list_parties()?;
        let tokens = store.list_tokens()?;
        let cell = parties.iter().find(|p| p.role == Role::Cell);
        let cell = match cell {
            Some(c) => c.clone(),
            None => {
                let c = Party::new("cell", "Deconfliction Cell", Role::Cell, Sharing::full());
                store.create_party("system", &c)?;
                c
            }
        };
        let has_cell_token = tokens.iter().any(|t| {
            !t.revoked
                && parties
                    .iter()
                    .any(|p| p.id == t.party && p.role == Role::Cell)
        });
        if !has_cell_token {
            let t = issue_token(store, "system", &cell.id)?;
            let path = config.data_dir.join("cell-token");
            write_secret(&path, &t)?;
            println!(
                "first start: cell token for {:?} written to {} (shown once): {t}",
                cell.id,
                path.display()
            );
        }
    }
    Ok(())
}

/// Opens the store, bootstraps parties, starts the live pipeline and serves until Ctrl-C.
/// Writes the bound address to `DATA_DIR/listen-addr` and prints it.
///
/// # Errors
/// The store cannot be opened or the address cannot be bound.
pub async fn run(mut config: Config, opts: ServeOptions) -> Result<(), ServerError> {
    if opts.demo {
        // The demo's blue and red aircraft are fighters (unless the config says otherwise).
        for party in ["blue", "red"] {
            config
                .guidance
                .party_categories
                .entry(party.into())
                .or_insert_with(|| "fighter".into());
        }
    }
    let config = Arc::new(config);
    std::fs::create_dir_all(&config.data_dir)
        .map_err(io(format!("cannot create {}", config.data_dir.display())))?;
    let location = config
        .store
        .location(&config.data_dir)
        .map_err(|e| ServerError::Config(e.to_string()))?;
    let store: Arc<dyn Store> = Arc::from(location.open(&config.store.pg_options())?);
    tracing::info!(store = %location, "store open");
    // A node joining a cell whose shared database another node already set up: it registers
    // nothing and issues no tokens.
    let joining = matches!(location, deconflict_store::Location::Postgres(_))
        && !store.list_parties()?.is_empty();
    // A log whose head is missing or inconsistent (shortened, or rewritten at its end) would
    // fail every audited write; the cell refuses to start on it instead. Other damage is
    // reported by verify while the cell runs.
    let report = store.verify_audit()?;
    if report.head_problem {
        return Err(ServerError::Config(format!(
            "the audit log in {location} does not verify: {}; run `deconflict audit verify --store {location}` and restore the store from a backup",
            report.problem.unwrap_or_default(),
        )));
    }
    if joining && opts.demo {
        println!("joined the cell in {location}: its demo was seeded by the node that started it first (its tokens are in that node's demo-tokens.json)");
    } else {
        bootstrap(store.as_ref(), &config, &opts)?;
    }
    let clock = Clock::system();
    let directory = Arc::new(Directory::default());
    directory.load(store.list_parties()?, store.list_tokens()?);
    let metrics = Arc::new(Metrics::default());
    let (live, rx) = Live::new(&config, metrics);
    live.set_claims(stored_claims(store.as_ref())?);
    // Leader from the first cycle when the lease is free (a single node always is); the
    // alerts a previous run left open are taken over by whichever node leads.
    let leads = live::lease::claim_once(&live, &store, &config, clock.now_s()).await;
    tracing::info!(
        node = live.leadership.node(),
        leader = leads,
        "cell node started"
    );
    tokio::spawn(live::lease::run(
        live.clone(),
        store.clone(),
        config.clone(),
        clock.clone(),
    ));
    tokio::spawn(live.clone().run_ingest(rx));
    tokio::spawn(live::alerts::run(
        live.clone(),
        store.clone(),
        config.clone(),
        clock.clone(),
    ));
    tokio::spawn(live::picture::run(
        live.clone(),
        store.clone(),
        directory.clone(),
        config.clone(),
        clock.clone(),
    ));
    tokio::spawn(live::crosscheck::run(
        live.clone(),
        store.clone(),
        config.clone(),
        clock.clone(),
    ));
    // Several nodes are possible only on PostgreSQL: there, what arrives at this node alone
    // is relayed to the others (`live::relay`).
    let several_nodes = matches!(location, deconflict_store::Location::Postgres(_));
    if several_nodes {
        live.relay.enable();
        tokio::spawn(live::relay::run(
            live.clone(),
            store.clone(),
            config.clone(),
            clock.clone(),
        ));
    }
    sources::spawn_feeds(&config.feeds, &live, config.cluster.relay_max_states);
    if opts.demo {
        sources::spawn_demo(&live, &clock);
    }
    let signer = CheckpointSigner::load_or_create(&config.data_dir)?;
    let checkpoints = Arc::new(Checkpoints::new(signer));
    tokio::spawn(live::checkpoints::run(
        checkpoints.clone(),
        live.clone(),
        store.clone(),
        config.audit.checkpoint_interval_s,
        clock.clone(),
    ));
    let state = AppState::new(
        store,
        config.clone(),
        directory,
        live,
        clock.clone(),
        checkpoints,
    );
    strategic::load(&state.strategic, state.store.as_ref(), clock.now_s())?;
    tokio::spawn(live::intrusions::run(
        state.live.clone(),
        state.strategic.clone(),
        state.store.clone(),
        config.clone(),
        clock.clone(),
    ));
    let regions = safety::install(state.store.as_ref(), &state.config, &state.live)
        .map_err(ServerError::Regions)?;
    tracing::info!(regions, "safety-net regions loaded");
    if opts.demo {
        demo::seed(&demo::Seed {
            store: state.store.as_ref(),
            strategic: &state.strategic,
            now: clock.now_s(),
        })?;
        demo::spawn_civil(&state.live, &clock);
    }
    // Other nodes' writes are followed from here (what this node seeded is its own). Only a
    // shared PostgreSQL store can have other nodes: on SQLite every change is this node's.
    if several_nodes {
        tokio::spawn(live::mirror::run(
            state.live.clone(),
            state.strategic.clone(),
            state.store.clone(),
            config.clone(),
            clock.clone(),
        ));
    }
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .map_err(io(format!("cannot listen on {}", config.listen)))?;
    let addr: SocketAddr = listener
        .local_addr()
        .map_err(io("cannot read the bound address"))?;
    std::fs::write(config.data_dir.join("listen-addr"), addr.to_string()).map_err(io(format!(
        "cannot write {}",
        config.data_dir.join("listen-addr").display()
    )))?;
    println!(
        "listening on http://{addr} (data in {})",
        config.data_dir.display()
    );
    let (live, store) = (state.live.clone(), state.store.clone());
    let served = axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(io("server failed"));
    // A clean stop hands the lease on at once.
    let _ = tokio::task::spawn_blocking(move || live::lease::release(&live, store.as_ref())).await;
    served
}

/// The default data directory of `--demo`: `deconflict-demo` under the system temp dir.
pub fn demo_data_dir() -> PathBuf {
    std::env::temp_dir().join("deconflict-demo")
}
