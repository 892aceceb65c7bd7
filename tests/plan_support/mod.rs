//! Helpers for the plan tests: projects from model literals, and observed states that match a
//! desired state exactly (as if `up` had just run), to change one thing at a time.
#![allow(dead_code)]

use std::path::PathBuf;

use rcompose::engine::{ContainerStatus, MountInfo, NetworkInfo, VolumeInfo};
use rcompose::plan::{desired_state, labels, Desired, Observed, ObservedContainer};
use rcompose::project::Project;
use serde_json::Value;

pub const PROJECT: &str = "demo";

/// A project named `demo` in `/srv/demo` whose canonical model is `model`.
pub fn project(model: Value) -> Project {
    Project {
        name: PROJECT.to_string(),
        working_dir: PathBuf::from("/srv/demo"),
        config_files: vec![PathBuf::from("/srv/demo/compose.yaml")],
        environment: Default::default(),
        model,
        all_profiles: Vec::new(),
    }
}

pub fn desired(model: Value) -> Desired {
    desired_state(&project(model))
}

/// What the engine holds right after a successful `up` of `desired`: every container running
/// with the labels, networks and volumes its spec asks for.
pub fn converged(desired: &Desired) -> Observed {
    let mut observed = Observed::new(&desired.project);
    for network in desired.networks.iter().filter(|n| !n.external) {
        observed.networks.push(NetworkInfo {
            id: format!("id-{}", network.spec.name),
            name: network.spec.name.clone(),
            driver: "bridge".to_string(),
            labels: network.spec.labels.clone(),
            ..NetworkInfo::default()
        });
    }
    for volume in desired.volumes.iter().filter(|v| !v.external) {
        observed.volumes.push(VolumeInfo {
            name: volume.spec.name.clone(),
            driver: "local".to_string(),
            labels: volume.spec.labels.clone(),
            ..VolumeInfo::default()
        });
    }
    for service in &desired.services {
        let peers = |other: &str| -> Vec<(String, u32)> {
            desired
                .service(other)
                .map(|s| {
                    (1..=s.replicas as u32)
                        .map(|n| (s.container_name(&desired.project, n), n))
                        .collect()
                })
                .unwrap_or_default()
        };
        for number in 1..=service.replicas as u32 {
            let spec = service
                .container_spec(&desired.project, number, &peers)
                .expect("a valid spec");
            let mounts = service
                .named_volumes
                .iter()
                .map(|volume| MountInfo {
                    kind: "volume".to_string(),
                    name: Some(volume.clone()),
                    source: format!("/var/lib/docker/volumes/{volume}/_data"),
                    destination: format!("/mnt/{volume}"),
                    read_write: true,
                })
                .collect();
            observed.containers.push(ObservedContainer {
                id: format!("id-{}", spec.name),
                name: spec.name.clone(),
                image: spec.image.clone(),
                image_id: String::new(),
                status: ContainerStatus::Running,
                created: 0,
                labels: spec.labels.clone(),
                networks: spec.endpoints.iter().map(|e| e.network.clone()).collect(),
                mounts: Some(mounts),
            });
        }
    }
    observed.containers.sort_by(|a, b| a.name.cmp(&b.name));
    observed
}

/// The container of `observed` named `name`, to change it.
pub fn container<'a>(observed: &'a mut Observed, name: &str) -> &'a mut ObservedContainer {
    observed
        .containers
        .iter_mut()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no container {name}"))
}

/// A container of a service that is not in the model any more.
pub fn orphan(service: &str, number: u32) -> ObservedContainer {
    let mut container = ObservedContainer::new(
        PROJECT,
        service,
        number,
        ContainerStatus::Running,
        "old-hash",
    );
    container
        .labels
        .insert(labels::DEPENDS_ON.to_string(), String::new());
    container
}

/// The plan's text, for comparison with an expected literal.
pub fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}
