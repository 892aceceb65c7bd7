//! The observed state: a plain snapshot of what the engine holds for one project (by the
//! `com.docker.compose.project` label), which the reconciler compares with the desired state.

use std::collections::{BTreeMap, BTreeSet};

use futures_util::stream::{self, StreamExt};

use super::desired::Desired;
use super::labels;
use crate::engine::{
    ContainerStatus, ContainerSummary, Engine, EngineError, ImageInfo, Labels, MountInfo,
    NetworkInfo, ProjectFilter, VolumeInfo,
};

/// How many inspect calls `observe` makes at once.
const OBSERVE_CONCURRENCY: usize = 8;

/// One container of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservedContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub image_id: String,
    pub status: ContainerStatus,
    /// Unix seconds.
    pub created: i64,
    pub labels: Labels,
    /// The names of the networks it is attached to.
    pub networks: Vec<String>,
    /// Its mounts (`None` when not known, e.g. a snapshot built by hand): a recreated
    /// container inherits its predecessor's anonymous volumes, and a missing named volume
    /// means a recreate. The list call carries them.
    pub mounts: Option<Vec<MountInfo>>,
}

impl ObservedContainer {
    /// A container of `service`, replica `number`, with the labels the reconciler reads —
    /// handy for tests and for building snapshots by hand.
    pub fn new(
        project: &str,
        service: &str,
        number: u32,
        status: ContainerStatus,
        config_hash: &str,
    ) -> Self {
        let name = format!("{project}-{service}-{number}");
        let labels: Labels = [
            (labels::PROJECT, project.to_string()),
            (labels::SERVICE, service.to_string()),
            (labels::CONTAINER_NUMBER, number.to_string()),
            (labels::ONEOFF, labels::bool_label(false).to_string()),
            (labels::CONFIG_HASH, config_hash.to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect();
        ObservedContainer {
            id: format!("id-{name}"),
            name,
            image: String::new(),
            image_id: String::new(),
            status,
            created: 0,
            labels,
            networks: Vec::new(),
            mounts: None,
        }
    }

    pub fn from_summary(summary: ContainerSummary) -> Self {
        ObservedContainer {
            id: summary.id,
            name: summary.name,
            image: summary.image,
            image_id: summary.image_id,
            status: summary.status,
            created: summary.created,
            labels: summary.labels,
            networks: summary.networks,
            mounts: Some(summary.mounts),
        }
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.get(key).map(String::as_str)
    }

    /// The service label.
    pub fn service(&self) -> Option<&str> {
        self.label(labels::SERVICE)
    }

    /// The replica number, when the label holds one.
    pub fn number(&self) -> Option<u32> {
        self.label(labels::CONTAINER_NUMBER)?.parse().ok()
    }

    /// A `run` container.
    pub fn is_oneoff(&self) -> bool {
        self.label(labels::ONEOFF)
            .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    }

    pub fn is_running(&self) -> bool {
        matches!(
            self.status,
            ContainerStatus::Running | ContainerStatus::Restarting | ContainerStatus::Paused
        )
    }
}

/// A snapshot of one project in the engine.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Observed {
    pub project: String,
    /// The API version the client negotiated: from 1.44 a container is created on all its
    /// networks at once, before it the others are connected one by one. `None`: assume older.
    pub api_version: Option<String>,
    /// Sorted by name.
    pub containers: Vec<ObservedContainer>,
    /// The project's networks (by label), sorted by name.
    pub networks: Vec<NetworkInfo>,
    /// The project's volumes (by label), sorted by name.
    pub volumes: Vec<VolumeInfo>,
    /// The images the services use that are present, by the reference the model writes.
    pub images: BTreeMap<String, ImageInfo>,
    /// External networks and volumes looked up by name: whether each exists. One that was not
    /// looked up is assumed to exist.
    pub external_networks: BTreeMap<String, bool>,
    pub external_volumes: BTreeMap<String, bool>,
}

impl Observed {
    /// An empty snapshot of `project`.
    pub fn new(project: &str) -> Self {
        Observed {
            project: project.to_string(),
            ..Observed::default()
        }
    }

    pub fn with_container(mut self, container: ObservedContainer) -> Self {
        self.containers.push(container);
        self.containers.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// Adds a network that carries the project's labels.
    pub fn with_network(mut self, key: &str, name: &str) -> Self {
        self.networks.push(NetworkInfo {
            id: format!("id-{name}"),
            name: name.to_string(),
            driver: "bridge".to_string(),
            labels: [
                (labels::PROJECT.to_string(), self.project.clone()),
                (labels::NETWORK.to_string(), key.to_string()),
            ]
            .into_iter()
            .collect(),
            ..NetworkInfo::default()
        });
        self.networks.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// Adds a volume that carries the project's labels.
    pub fn with_volume(mut self, key: &str, name: &str) -> Self {
        self.volumes.push(VolumeInfo {
            name: name.to_string(),
            driver: "local".to_string(),
            labels: [
                (labels::PROJECT.to_string(), self.project.clone()),
                (labels::VOLUME.to_string(), key.to_string()),
            ]
            .into_iter()
            .collect(),
            ..VolumeInfo::default()
        });
        self.volumes.sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    pub fn network(&self, name: &str) -> Option<&NetworkInfo> {
        self.networks.iter().find(|network| network.name == name)
    }

    pub fn volume(&self, name: &str) -> Option<&VolumeInfo> {
        self.volumes.iter().find(|volume| volume.name == name)
    }

    /// The service containers (not one-off) of `service`.
    pub fn service_containers<'a>(
        &'a self,
        service: &'a str,
    ) -> impl Iterator<Item = &'a ObservedContainer> + 'a {
        self.containers
            .iter()
            .filter(move |c| !c.is_oneoff() && c.service() == Some(service))
    }
}

/// Lists the project's containers (with their mounts), networks and volumes: three calls, made
/// at once, and no inspect. Reads only.
pub async fn observe<E: Engine>(engine: &E, project_name: &str) -> Result<Observed, EngineError> {
    let filter = ProjectFilter::new(project_name);
    let (containers, networks, volumes) = tokio::try_join!(
        engine.list_containers(&filter),
        engine.list_networks(&filter),
        engine.list_volumes(&filter),
    )?;
    let mut containers: Vec<ObservedContainer> = containers
        .into_iter()
        .map(ObservedContainer::from_summary)
        .collect();
    containers.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Observed {
        project: project_name.to_string(),
        api_version: None,
        containers,
        networks,
        volumes,
        images: BTreeMap::new(),
        external_networks: BTreeMap::new(),
        external_volumes: BTreeMap::new(),
    })
}

/// [`observe`], and what the desired state refers to outside the project: the API version, the
/// services' images (present or not) and the external networks and volumes.
pub async fn observe_for<E: Engine>(
    engine: &E,
    desired: &Desired,
) -> Result<Observed, EngineError> {
    // The project's objects and the images at once: each is a call or a few.
    let images: BTreeSet<&str> = desired.services.iter().map(|s| s.image.as_str()).collect();
    let inspect_images =
        stream::iter(images)
            .map(|reference| async move {
                (reference.to_string(), engine.inspect_image(reference).await)
            })
            .buffered(OBSERVE_CONCURRENCY)
            .collect::<Vec<(String, Result<ImageInfo, EngineError>)>>();
    let (observed, found, version) = tokio::join!(
        observe(engine, &desired.project),
        inspect_images,
        engine.version()
    );
    let mut observed = observed?;
    observed.api_version = Some(version?.client_api_version);
    for (reference, result) in found {
        match result {
            Ok(image) => {
                observed.images.insert(reference, image);
            }
            Err(error) if error.is_not_found() => {}
            Err(error) => return Err(error),
        }
    }

    for network in desired.networks.iter().filter(|n| n.external) {
        let exists = match engine.inspect_network(&network.spec.name).await {
            Ok(_) => true,
            Err(error) if error.is_not_found() => false,
            Err(error) => return Err(error),
        };
        observed
            .external_networks
            .insert(network.spec.name.clone(), exists);
    }
    for volume in desired.volumes.iter().filter(|v| v.external) {
        let exists = match engine.inspect_volume(&volume.spec.name).await {
            Ok(_) => true,
            Err(error) if error.is_not_found() => false,
            Err(error) => return Err(error),
        };
        observed
            .external_volumes
            .insert(volume.spec.name.clone(), exists);
    }
    Ok(observed)
}
