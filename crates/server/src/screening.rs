//! Screening as the monitor sees it, served from the store: the customer
//! register's hits, names and addresses of the active lists, labels and
//! exposure from the chain graph. Shared by `kansa monitor run` and the
//! service.

use kansa_chain::Graph;
use kansa_monitor::{AddressRisk, NameHit, Screening};
use kansa_screen::{AddressIndex, IndexConfig, Query, ScreenIndex, DEFAULT_THRESHOLD};
use kansa_store::{GraphMeta, Store, StoreError};
use kansa_trace::{Direction, LabelLookup};
use std::path::Path;
use std::sync::Arc;

/// Label categories counted as risky exposure.
pub const RISKY: [&str; 7] = [
    "sanctions",
    "hack",
    "mixer",
    "ransomware",
    "darknet_market",
    "scam",
    "terrorist_financing",
];
/// Hops examined for an address's exposure.
pub const EXPOSURE_HOPS: u32 = 3;

/// Labels from the stored packs and the active lists' sanctioned
/// addresses, spread over the graph's clusters.
pub fn labels(store: &Store, g: &Graph) -> Result<LabelLookup, StoreError> {
    Ok(LabelLookup::new(g, store.all_address_labels()?))
}

/// The data directory's transaction graph with its labels: what the
/// chain routes and the monitor's address risk read.
pub struct ChainView {
    pub graph: Graph,
    pub meta: GraphMeta,
    pub labels: LabelLookup,
}

impl ChainView {
    /// The saved graph and the store's labels; `None` without a graph.
    pub fn load(data: &Path, store: &Store) -> Result<Option<ChainView>, StoreError> {
        Ok(match kansa_store::open_graph(data)? {
            Some((graph, meta)) => {
                let labels = labels(store, &graph)?;
                Some(ChainView {
                    graph,
                    meta,
                    labels,
                })
            }
            None => None,
        })
    }
}

impl std::fmt::Debug for ChainView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChainView")
            .field("sources", &self.meta.sources)
            .field("labelled_clusters", &self.labels.len())
            .finish_non_exhaustive()
    }
}

/// Where the chain view comes from: loaded once by the command line, the
/// service's current one for the service.
pub type ChainSource = Box<dyn Fn() -> Option<Arc<ChainView>> + Send>;

/// The name index of the store's active lists (`None` when there are no
/// lists), with the system dictionaries that are installed.
pub fn name_index(store: &Store) -> Result<Option<ScreenIndex>, StoreError> {
    let entities = store.active_entities()?;
    if entities.is_empty() {
        return Ok(None);
    }
    let readings = crate::resources::load_readings().0;
    Ok(Some(ScreenIndex::build(
        entities,
        readings,
        IndexConfig::default(),
    )))
}

/// Where the name index comes from: built on first use by the command
/// line, shared with the HTTP handlers by the service.
pub type NameSource = Box<dyn Fn() -> Option<Arc<ScreenIndex>> + Send>;

/// Where the address index of the active lists comes from: built once by
/// the command line, the service's current one for the service.
pub type AddressSource = Box<dyn Fn() -> Arc<AddressIndex> + Send>;

/// Screening against the store.
pub struct StoreScreening {
    store: Store,
    addresses: AddressSource,
    names: NameSource,
    chain: ChainSource,
}

impl std::fmt::Debug for StoreScreening {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoreScreening").finish_non_exhaustive()
    }
}

impl StoreScreening {
    /// Opens its own connection to the store in `data`.
    pub fn open(
        data: &Path,
        names: NameSource,
        addresses: AddressSource,
        chain: ChainSource,
    ) -> Result<StoreScreening, StoreError> {
        let store = Store::open_dir(data)?;
        Ok(StoreScreening {
            store,
            addresses,
            names,
            chain,
        })
    }
}

impl Screening for StoreScreening {
    fn customer_hits(&self, customer: &str) -> Vec<NameHit> {
        self.store
            .customer_hits(customer)
            .map(|hits| {
                hits.into_iter()
                    .map(|h| NameHit {
                        entity: h.entity_id,
                        score: h.score,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    fn name_hits(&self, name: &str) -> Vec<NameHit> {
        let Some(idx) = (self.names)() else {
            return Vec::new();
        };
        let Ok(q) = Query::parse(name, None, None, "any") else {
            return Vec::new();
        };
        idx.screen(&q, DEFAULT_THRESHOLD, 5)
            .into_iter()
            .map(|m| NameHit {
                entity: m.entity_id,
                score: m.score,
            })
            .collect()
    }

    fn address(&self, address: &str) -> AddressRisk {
        let mut r = AddressRisk::default();
        if let Ok(hits) = (self.addresses)().lookup(address) {
            r.listed = hits.iter().map(|h| h.entity_id.clone()).collect();
            r.listed.dedup();
        }
        if let Some(view) = (self.chain)() {
            let (g, labels) = (&view.graph, &view.labels);
            if let Some(a) = g.address_index(address) {
                for l in labels.labels(g, a) {
                    if !r.categories.contains(&l.category) {
                        r.categories.push(l.category.clone());
                    }
                }
            }
            if let Ok(e) =
                kansa_trace::exposure(g, address, Direction::Backward, EXPOSURE_HOPS, labels, None)
            {
                let risky: Vec<_> = e
                    .categories
                    .iter()
                    .filter(|c| RISKY.contains(&c.category.as_str()))
                    .collect();
                r.exposure = risky.iter().map(|c| c.share).sum::<f64>().min(1.0);
                if let Some(top) = risky.iter().max_by(|a, b| a.share.total_cmp(&b.share)) {
                    r.exposure_category = top.category.clone();
                }
            }
        }
        r
    }
}
