//! A plan: operations, each one engine call (or one wait) with its cause and the operations it
//! waits for. Pure data; it prints as text, one line per operation, which is what `--dry-run`
//! shows and what the plan tests compare.

use std::fmt;
use std::time::Duration;

use super::service::Condition;
use crate::engine::{ContainerSpec, ContainerStatus, EndpointSpec, NetworkSpec, VolumeSpec};

/// An operation's number in its plan, from 1.
pub type OpId = usize;

/// A container an operation is about: its name, and its id when it exists already.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerRef {
    pub name: String,
    pub id: Option<String>,
}

impl ContainerRef {
    pub fn named(name: impl Into<String>) -> Self {
        ContainerRef {
            name: name.into(),
            id: None,
        }
    }

    /// What to pass to the engine: the id when known (a name can be taken over), else the name.
    pub fn target(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.name)
    }
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    CreateNetwork(NetworkSpec),
    RemoveNetwork {
        name: String,
    },
    CreateVolume(VolumeSpec),
    RemoveVolume {
        name: String,
    },
    CreateContainer {
        service: String,
        number: u32,
        spec: Box<ContainerSpec>,
    },
    /// Attaches a created container to one more network (engines before API 1.44 create a
    /// container on one network only).
    ConnectNetwork {
        container: String,
        endpoint: EndpointSpec,
    },
    StartContainer {
        container: ContainerRef,
    },
    StopContainer {
        container: ContainerRef,
        /// `None`: the container's own stop timeout.
        timeout: Option<Duration>,
    },
    RemoveContainer {
        container: ContainerRef,
        /// Its anonymous volumes too.
        volumes: bool,
    },
    /// Polls the containers until all are healthy (fails when one is unhealthy or exits).
    WaitHealthy {
        service: String,
        containers: Vec<String>,
        /// When false, a failure is a warning and the dependents start anyway.
        required: bool,
        timeout: Option<Duration>,
    },
    /// Waits for the containers to exit, and fails unless all exit with 0.
    WaitCompleted {
        service: String,
        containers: Vec<String>,
        required: bool,
        timeout: Option<Duration>,
    },
    // --- down --rmi
    /// Removes an image reference (never forced: an image in use stays).
    RemoveImage {
        image: String,
    },
}

impl Action {
    /// `create container proj-web-1`.
    pub fn describe(&self) -> String {
        match self {
            Action::CreateNetwork(spec) => format!("create network {}", spec.name),
            Action::RemoveNetwork { name } => format!("remove network {name}"),
            Action::CreateVolume(spec) => format!("create volume {}", spec.name),
            Action::RemoveVolume { name } => format!("remove volume {name}"),
            Action::CreateContainer { spec, .. } => format!("create container {}", spec.name),
            Action::ConnectNetwork {
                container,
                endpoint,
            } => format!(
                "connect container {container} to network {}",
                endpoint.network
            ),
            Action::StartContainer { container } => format!("start container {}", container.name),
            Action::StopContainer { container, timeout } => match timeout {
                Some(timeout) => format!(
                    "stop container {} (timeout {}s)",
                    container.name,
                    timeout.as_secs()
                ),
                None => format!("stop container {}", container.name),
            },
            Action::RemoveContainer { container, volumes } => {
                if *volumes {
                    format!(
                        "remove container {} and its anonymous volumes",
                        container.name
                    )
                } else {
                    format!("remove container {}", container.name)
                }
            }
            Action::WaitHealthy {
                service,
                containers,
                ..
            } => format!(
                "wait for {service} to be healthy ({})",
                containers.join(", ")
            ),
            Action::WaitCompleted {
                service,
                containers,
                ..
            } => format!(
                "wait for {service} to complete successfully ({})",
                containers.join(", ")
            ),
            Action::RemoveImage { image } => format!("remove image {image}"),
        }
    }

    /// Whether the engine's state changes (waits only read).
    pub fn is_write(&self) -> bool {
        !matches!(
            self,
            Action::WaitHealthy { .. } | Action::WaitCompleted { .. }
        )
    }
}

/// How a top-level field of a service changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FieldChange {
    Changed,
    Added,
    Removed,
}

/// Why an operation is in the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Cause {
    /// The container, network or volume does not exist.
    Missing,
    /// More replicas are wanted.
    ScaleUp {
        replicas: usize,
    },
    /// The config hash differs; `fields` says which top-level fields changed, when the
    /// container carries rcompose's per-field hashes (empty otherwise).
    ConfigChanged {
        fields: Vec<(String, FieldChange)>,
    },
    /// The image the tag names is not the one the container runs.
    ImageChanged {
        image: String,
    },
    /// A running container is not attached to a network of its service.
    NetworkNotConnected {
        network: String,
    },
    /// The configuration of a declared network changed: it is removed and created again, and
    /// the containers on it are recreated.
    NetworkChanged {
        network: String,
    },
    /// A container does not mount a named volume of its service.
    VolumeNotMounted {
        volume: String,
    },
    ForceRecreate,
    /// `-V`: recreated with new anonymous volumes.
    RenewAnonVolumes,
    /// `--always-recreate-deps`: a dependency of the named services.
    AlwaysRecreateDeps,
    /// The container is dead and cannot be started.
    Dead,
    /// The container shares a namespace or volumes with a container that is recreated.
    Follows {
        service: String,
        reason: String,
    },
    /// `depends_on` with `restart: true` on a service that is recreated.
    RestartAfter {
        service: String,
    },
    /// The container exists but does not run.
    NotRunning {
        status: ContainerStatus,
    },
    /// A container of a service that is not in the model.
    Orphan {
        service: String,
    },
    /// Fewer replicas are wanted.
    ScaleDown {
        replicas: usize,
    },
    /// A wait for `depends_on` conditions.
    DependsOn {
        dependents: Vec<String>,
        service: String,
        condition: Condition,
    },
    /// `down`.
    Down,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::Missing => f.write_str("missing"),
            Cause::ScaleUp { replicas } => write!(f, "scale up to {replicas}"),
            Cause::ConfigChanged { fields } => {
                f.write_str("config hash changed")?;
                if fields.is_empty() {
                    return Ok(());
                }
                f.write_str(": ")?;
                let parts: Vec<String> = fields
                    .iter()
                    .map(|(field, change)| {
                        let verb = match change {
                            FieldChange::Changed => "changed",
                            FieldChange::Added => "added",
                            FieldChange::Removed => "removed",
                        };
                        format!("`{field}` {verb}")
                    })
                    .collect();
                f.write_str(&parts.join(", "))
            }
            Cause::ImageChanged { image } => write!(f, "image `{image}` changed"),
            Cause::NetworkNotConnected { network } => {
                write!(f, "not connected to network `{network}`")
            }
            Cause::NetworkChanged { network } => {
                write!(f, "network `{network}` configuration changed")
            }
            Cause::VolumeNotMounted { volume } => write!(f, "volume `{volume}` not mounted"),
            Cause::ForceRecreate => f.write_str("--force-recreate"),
            Cause::RenewAnonVolumes => f.write_str("--renew-anon-volumes"),
            Cause::AlwaysRecreateDeps => f.write_str("--always-recreate-deps"),
            Cause::Dead => f.write_str("dead"),
            Cause::Follows { service, reason } => {
                write!(f, "`{service}` is recreated ({reason})")
            }
            Cause::RestartAfter { service } => {
                write!(f, "`{service}` is recreated (depends_on restart: true)")
            }
            Cause::NotRunning { status } => write!(f, "not running ({status})"),
            Cause::Orphan { service } => {
                write!(f, "orphan (service `{service}` is not in the project)")
            }
            Cause::ScaleDown { replicas } => write!(f, "scale down to {replicas}"),
            Cause::DependsOn {
                dependents,
                service,
                condition,
            } => {
                let names: Vec<String> = dependents.iter().map(|d| format!("`{d}`")).collect();
                write!(
                    f,
                    "{} depend{} on `{service}` ({})",
                    names.join(", "),
                    if dependents.len() == 1 { "s" } else { "" },
                    condition.as_str()
                )
            }
            Cause::Down => f.write_str("down"),
        }
    }
}

/// One operation of a plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub id: OpId,
    pub action: Action,
    pub cause: Cause,
    /// The operations that must succeed before this one starts, ascending.
    pub after: Vec<OpId>,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}: {}", self.id, self.action.describe(), self.cause)?;
        if !self.after.is_empty() {
            let after: Vec<String> = self.after.iter().map(|id| format!("#{id}")).collect();
            write!(f, " (after {})", after.join(", "))?;
        }
        Ok(())
    }
}

/// What to do, in what order, and why.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Plan {
    /// Ids are positions plus one; every op waits only for ops before it.
    pub ops: Vec<Op>,
    /// Worth saying, not worth stopping for (orphans left in place, a diverged network).
    pub warnings: Vec<String>,
    /// What makes the plan impossible to carry out: executing it does nothing.
    pub errors: Vec<String>,
}

impl Plan {
    /// No operation: the engine already holds what is asked for.
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn op(&self, id: OpId) -> Option<&Op> {
        id.checked_sub(1).and_then(|index| self.ops.get(index))
    }

    /// Adds an operation and returns its id. `after` is sorted and deduplicated.
    pub fn push(&mut self, action: Action, cause: Cause, mut after: Vec<OpId>) -> OpId {
        after.sort_unstable();
        after.dedup();
        let id = self.ops.len() + 1;
        after.retain(|other| *other < id);
        self.ops.push(Op {
            id,
            action,
            cause,
            after,
        });
        id
    }

    /// The text form: one line per operation, then warnings and errors.
    pub fn render(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for op in &self.ops {
            writeln!(f, "{op}")?;
        }
        for warning in &self.warnings {
            writeln!(f, "warning: {warning}")?;
        }
        for error in &self.errors {
            writeln!(f, "error: {error}")?;
        }
        Ok(())
    }
}
