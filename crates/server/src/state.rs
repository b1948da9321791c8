//! What the service holds while it runs: the embedded store of reference
//! data (lists, customers; one connection behind a lock), the ledger
//! (decisions, audit, users, cases: the same SQLite database, or
//! PostgreSQL shared with other replicas), the name and address indexes of the active
//! lists (rebuilt after a list import and swapped in whole), the monitor
//! with its windows (rebuilt at start from the stored events), and a short
//! cache of verified tokens.

use crate::auth::{self, Need, Role};
use crate::error::ApiError;
use crate::screening::ChainView;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use kansa_monitor::{Monitor, RulePack};
use kansa_screen::{AddressIndex, ScreenIndex};
use kansa_store::{Ledger, LedgerExt, PgLedger, Store};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

/// How long a verified token is trusted before the store is asked again
/// (a revocation takes effect within this time on every replica).
pub const TOKEN_CACHE: Duration = Duration::from_secs(5);

/// Settings of one service process.
#[derive(Debug, Clone)]
pub struct Config {
    /// The data directory (`$KANSA_DATA`).
    pub data: PathBuf,
    /// Rule pack for decisions; the default pack otherwise.
    pub rules: Option<PathBuf>,
    /// Largest request body accepted, in bytes.
    pub body_limit: usize,
    /// The ledger's PostgreSQL database (`postgres://…`), shared by
    /// replicas; the embedded store's SQLite database otherwise.
    pub database: Option<String>,
    /// Decide events from this NATS JetStream stream as well.
    pub nats: Option<crate::nats::NatsConfig>,
    /// Where personal data may go (only the region itself by default).
    pub residency: kansa_residency::Policy,
    /// How `POST /v1/lists/import` imports uploaded files (the command
    /// line's import, supplied by the binary); refused without one.
    pub importer: Option<ListImporter>,
    /// How `POST /v1/customers/import` imports an uploaded customer file.
    pub customer_importer: Option<CustomerImporter>,
    /// The data key: personal values of stored events and decisions are
    /// sealed with it (`KANSA_DATA_KEY_FILE`/`KANSA_DATA_KEY`).
    pub sealer: Option<kansa_residency::Sealer>,
}

/// List files uploaded to the service, saved under the data directory.
#[derive(Debug, Clone)]
pub struct ListUpload {
    pub files: Vec<PathBuf>,
    /// A format name, or `None`/`auto` to recognise it from the content.
    pub format: Option<String>,
    pub source: Option<String>,
    /// Who imports (the audit entry's actor).
    pub actor: String,
}

/// Why an upload was not imported.
#[derive(Debug, Clone)]
pub enum ImportFault {
    /// A request field was wrong (422 naming it).
    Field(&'static str, String),
    /// The file is not a list Kansa reads (422).
    Input(String),
    /// The store failed (500).
    Store(String),
}

type ImportFn = dyn Fn(&ListUpload) -> Result<(serde_json::Value, bool), ImportFault> + Send + Sync;

/// Imports uploaded lists: the per-snapshot reports and whether all
/// succeeded.
#[derive(Clone)]
pub struct ListImporter(Arc<ImportFn>);

impl ListImporter {
    pub fn new(
        f: impl Fn(&ListUpload) -> Result<(serde_json::Value, bool), ImportFault>
            + Send
            + Sync
            + 'static,
    ) -> ListImporter {
        ListImporter(Arc::new(f))
    }

    pub fn import(&self, up: &ListUpload) -> Result<(serde_json::Value, bool), ImportFault> {
        (self.0)(up)
    }
}

type CustomerImportFn =
    dyn Fn(&std::path::Path, &str) -> Result<serde_json::Value, ImportFault> + Send + Sync;

/// Imports an uploaded customer file (its path, the caller as actor) as
/// `kansa customers import` does: the summary of what changed.
#[derive(Clone)]
pub struct CustomerImporter(Arc<CustomerImportFn>);

impl CustomerImporter {
    pub fn new(
        f: impl Fn(&std::path::Path, &str) -> Result<serde_json::Value, ImportFault>
            + Send
            + Sync
            + 'static,
    ) -> CustomerImporter {
        CustomerImporter(Arc::new(f))
    }

    pub fn import(
        &self,
        file: &std::path::Path,
        actor: &str,
    ) -> Result<serde_json::Value, ImportFault> {
        (self.0)(file, actor)
    }
}

impl std::fmt::Debug for CustomerImporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CustomerImporter")
    }
}

impl std::fmt::Debug for ListImporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ListImporter")
    }
}

impl Config {
    pub fn new(data: PathBuf) -> Config {
        Config {
            data,
            rules: None,
            body_limit: 1 << 20,
            database: None,
            nats: None,
            residency: kansa_residency::Policy::home_only("JP"),
            importer: None,
            customer_importer: None,
            sealer: None,
        }
    }
}

/// The loaded chain view and what it was loaded from.
#[derive(Default)]
struct ChainState {
    key: Option<(Option<std::time::SystemTime>, String)>,
    view: Option<Arc<ChainView>>,
}

#[derive(Debug, Clone)]
struct CachedToken {
    user: String,
    role: Role,
    secret_sha256: Vec<u8>,
    expires_at: Option<String>,
    fetched: Instant,
}

/// The shared state.
pub struct AppState {
    pub config: Config,
    store: Mutex<Store>,
    ledger: Mutex<Box<dyn Ledger>>,
    names: RwLock<Option<Arc<ScreenIndex>>>,
    addresses: RwLock<Arc<AddressIndex>>,
    chain: RwLock<ChainState>,
    decider: std::sync::OnceLock<crate::decider::Decider>,
    ready: AtomicBool,
    pub(crate) startup_error: Mutex<Option<String>>,
    tokens: Mutex<HashMap<String, CachedToken>>,
    pub started: Instant,
    /// Changes whenever what the monitor's screening reads may have
    /// changed (see [`AppState::screening_generation`]).
    generation: std::sync::atomic::AtomicU64,
    freshness: Mutex<Freshness>,
    reloading: Arc<AtomicBool>,
}

/// What the service last saw of the store's lists and customer hits.
#[derive(Default)]
struct Freshness {
    checked: Option<Instant>,
    lists: Option<String>,
    hits: i64,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// A lock that a panicking holder left behind is still usable: every
/// write to the store is one transaction, so no half-done state remains.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// Opens the store; indexes and the monitor come with [`AppState::load`].
    pub fn open(config: Config) -> Result<Arc<AppState>, String> {
        let store = Store::open_dir(&config.data)
            .map_err(|e| format!("cannot open the store in {}: {e}", config.data.display()))?;
        let ledger = open_ledger(&config)?;
        Ok(Arc::new(AppState {
            config,
            store: Mutex::new(store),
            ledger: Mutex::new(ledger),
            names: RwLock::new(None),
            addresses: RwLock::new(Arc::new(AddressIndex::default())),
            chain: RwLock::new(ChainState::default()),
            decider: std::sync::OnceLock::new(),
            ready: AtomicBool::new(false),
            startup_error: Mutex::new(None),
            tokens: Mutex::new(HashMap::new()),
            started: Instant::now(),
            generation: std::sync::atomic::AtomicU64::new(0),
            freshness: Mutex::new(Freshness::default()),
            reloading: Arc::new(AtomicBool::new(false)),
        }))
    }

    /// Builds the indexes of the active lists and the monitor (replaying
    /// the stored events), then declares the service ready. Blocking.
    pub fn load(self: &Arc<Self>) -> Result<(), String> {
        let r = self.load_inner();
        if let Err(e) = &r {
            *lock(&self.startup_error) = Some(e.clone());
        }
        r
    }

    fn load_inner(self: &Arc<Self>) -> Result<(), String> {
        self.reload_lists()?;
        // Checked once here, so that a bad pack stops the start.
        load_pack(&self.config)?;
        let me = Arc::clone(self);
        let rebuild: crate::decider::Rebuild = Box::new(move |ledger: &dyn Ledger| {
            let me2 = Arc::clone(&me);
            let me3 = Arc::clone(&me);
            let me4 = Arc::clone(&me);
            let names: crate::screening::NameSource = Box::new(move || me2.names());
            let addresses: crate::screening::AddressSource = Box::new(move || me3.addresses());
            let chain: crate::screening::ChainSource = Box::new(move || me4.chain_cached());
            let screening =
                crate::screening::StoreScreening::open(&me.config.data, names, addresses, chain)
                    .map_err(|e| e.to_string())?;
            let mut m = Monitor::new(load_pack(&me.config)?, Box::new(screening));
            let seen = crate::decisions::replay(ledger, &mut m, me.config.sealer.as_ref())?;
            Ok((m, seen))
        });
        let ledger = open_ledger(&self.config)?;
        let (monitor, seen) = rebuild(ledger.as_ref())?;
        let me = Arc::clone(self);
        let generation: crate::decider::Generation = Box::new(move || me.screening_generation());
        let _ = self.decider.set(crate::decider::Decider::start(
            monitor,
            seen,
            ledger,
            rebuild,
            self.config.residency.clone(),
            self.config.sealer.clone(),
            generation,
        ));
        self.ready.store(true, Ordering::SeqCst);
        Ok(())
    }

    /// What screening reads changed (lists, chain view, customer hits):
    /// the monitor screens again.
    pub fn screening_changed(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    /// A number that changes whenever what the monitor's screening reads
    /// may have changed, so that the decider forgets the results it
    /// cached: the lists reloaded, the chain view replaced, or (checked at
    /// most once a second) a customer's hits changed in the store. Lists
    /// activated outside the service (`kansa lists import` beside it) are
    /// noticed here too and loaded again in the background.
    pub fn screening_generation(self: &Arc<Self>) -> u64 {
        let mut f = lock(&self.freshness);
        if f.checked
            .is_none_or(|t| t.elapsed() >= Duration::from_secs(1))
        {
            f.checked = Some(Instant::now());
            let (lists, hits) = {
                let s = self.store();
                (s.active_signature().ok(), s.hits_head().unwrap_or(f.hits))
            };
            if hits != f.hits {
                f.hits = hits;
                self.screening_changed();
            }
            if lists.is_some() && f.lists.is_some() && lists != f.lists {
                f.lists = lists;
                if !self.reloading.swap(true, Ordering::SeqCst) {
                    let me = Arc::clone(self);
                    std::thread::spawn(move || {
                        if let Err(e) = me.reload_lists() {
                            eprintln!("kansa serve: cannot load the lists again: {e}");
                        }
                        me.reloading.store(false, Ordering::SeqCst);
                    });
                }
            }
        }
        drop(f);
        self.generation.load(Ordering::SeqCst)
    }

    /// Rebuilds the name and address indexes from the active lists.
    pub fn reload_lists(&self) -> Result<(), String> {
        let store = Store::open_dir(&self.config.data).map_err(|e| e.to_string())?;
        let signature = store.active_signature().ok();
        let hits = store.hits_head().unwrap_or(0);
        let entities = store.active_entities().map_err(|e| e.to_string())?;
        let addresses = AddressIndex::build(entities.iter());
        let names = crate::screening::name_index(&store).map_err(|e| e.to_string())?;
        *self.addresses.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(addresses);
        *self.names.write().unwrap_or_else(|p| p.into_inner()) = names.map(Arc::new);
        // Sanctioned addresses are labels of the graph.
        self.chain().map_err(|e| e.to_string())?;
        {
            let mut f = lock(&self.freshness);
            f.lists = signature;
            f.hits = f.hits.max(hits);
        }
        self.screening_changed();
        Ok(())
    }

    /// The chain graph with its labels as last loaded (the monitor's view:
    /// no check per event).
    pub fn chain_cached(&self) -> Option<Arc<ChainView>> {
        self.chain
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .view
            .clone()
    }

    /// The chain graph with its labels, loaded again first when the graph
    /// was replaced (`kansa chain import`) or labels or lists changed.
    pub fn chain(&self) -> Result<Option<Arc<ChainView>>, kansa_store::StoreError> {
        let meta = kansa_store::graph_dir(&self.config.data).join("meta.json");
        let written = std::fs::metadata(&meta).and_then(|m| m.modified()).ok();
        let labels = self.store().labels_signature()?;
        let key = (written, labels);
        {
            let c = self.chain.read().unwrap_or_else(|p| p.into_inner());
            if c.key.as_ref() == Some(&key) {
                return Ok(c.view.clone());
            }
        }
        let mut c = self.chain.write().unwrap_or_else(|p| p.into_inner());
        if c.key.as_ref() != Some(&key) {
            let view = {
                let store = self.store();
                ChainView::load(&self.config.data, &store)?
            };
            c.view = view.map(Arc::new);
            c.key = Some(key);
            self.screening_changed();
        }
        Ok(c.view.clone())
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    pub fn names(&self) -> Option<Arc<ScreenIndex>> {
        self.names.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn addresses(&self) -> Arc<AddressIndex> {
        self.addresses
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    pub fn ledger(&self) -> MutexGuard<'_, Box<dyn Ledger>> {
        lock(&self.ledger)
    }

    /// Runs `f` on the ledger with `user` named as the actor of what it
    /// writes to the audit log.
    pub fn ledger_as<T>(&self, user: &str, f: impl FnOnce(&mut dyn Ledger) -> T) -> T {
        let mut ledger = self.ledger();
        ledger.set_actor(user);
        let out = f(ledger.as_mut());
        ledger.set_actor("system");
        out
    }

    /// The deciding thread, once loaded.
    pub fn decider(&self) -> Option<&crate::decider::Decider> {
        self.decider.get()
    }

    /// Who holds this bearer token, checked against the store at most
    /// every [`TOKEN_CACHE`].
    pub fn authenticate(&self, bearer: &str, now: &str) -> Result<Caller, ApiError> {
        let invalid = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_token",
                "the token is not valid (unknown, revoked, or its user is disabled)",
            )
        };
        let (id, secret) = auth::parse(bearer).ok_or_else(invalid)?;
        let cached = lock(&self.tokens)
            .get(id)
            .filter(|c| c.fetched.elapsed() < TOKEN_CACHE)
            .cloned();
        let entry = match cached {
            Some(c) => c,
            None => {
                let fetched = {
                    let store = self.ledger();
                    let row = store.token(id).map_err(ApiError::internal)?;
                    match row {
                        Some(t) if t.revoked_at.is_none() => {
                            let user = store.user(&t.user).map_err(ApiError::internal)?;
                            user.filter(|u| u.disabled_at.is_none()).and_then(|u| {
                                Some(CachedToken {
                                    role: Role::parse(&u.role)?,
                                    user: u.name,
                                    secret_sha256: t.secret_sha256,
                                    expires_at: t.expires_at,
                                    fetched: Instant::now(),
                                })
                            })
                        }
                        _ => None,
                    }
                };
                let mut cache = lock(&self.tokens);
                match fetched {
                    Some(c) => {
                        cache.insert(id.to_string(), c.clone());
                        c
                    }
                    None => {
                        cache.remove(id);
                        return Err(invalid());
                    }
                }
            }
        };
        if !auth::same_digest(&auth::secret_hash(secret), &entry.secret_sha256) {
            return Err(invalid());
        }
        if entry.expires_at.as_deref().is_some_and(|e| e <= now) {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "expired_token",
                "the token has expired; ask an administrator for a new one",
            ));
        }
        Ok(Caller {
            user: entry.user,
            role: entry.role,
            token: id.to_string(),
        })
    }
}

/// The ledger: PostgreSQL when configured, else the embedded store.
pub fn open_ledger(config: &Config) -> Result<Box<dyn Ledger>, String> {
    match &config.database {
        Some(url) => Ok(Box::new(PgLedger::open(url).map_err(|e| e.to_string())?)),
        None => Ok(Box::new(Store::open_dir(&config.data).map_err(|e| {
            format!("cannot open the store in {}: {e}", config.data.display())
        })?)),
    }
}

/// The configured rule pack, or the default one.
fn load_pack(config: &Config) -> Result<RulePack, String> {
    match &config.rules {
        None => RulePack::default_pack().map_err(|e| e.to_string()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            RulePack::parse(&text, &p.display().to_string()).map_err(|e| e.to_string())
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user: String,
    pub role: Role,
    pub token: String,
}

impl Caller {
    /// Refuses the request unless the caller's role allows `need`.
    pub fn need(&self, need: Need) -> Result<(), ApiError> {
        if auth::allows(self.role, need) {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!(
                    "role {} may not {} (user {})",
                    self.role,
                    need.as_str(),
                    self.user
                ),
            ))
        }
    }
}

/// The current time as the store writes it.
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "missing_token",
                    "send a token: Authorization: Bearer kansa_…",
                )
            })?;
        let bearer = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "the Authorization header must read `Bearer <token>`",
                )
            })?;
        let caller = state.authenticate(bearer, &now())?;
        parts.extensions.insert(caller.clone());
        Ok(caller)
    }
}
