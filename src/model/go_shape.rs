//! The shape of compose-go's Go types (`types.Project`, `ServiceConfig` and what they nest), as
//! far as the order of their fields goes. docker compose v2 serialises those structs, so its
//! YAML (`config`) and JSON (the service config hash) list a struct's fields in declaration
//! order and a Go map's keys sorted. The canonical model is a JSON value whose key order is
//! whatever the loader produced; this table is what puts it back into docker compose's order.
//!
//! Learned from compose-go v2.9 (the version docker compose 2.40 ships) and checked against
//! docker compose's own output on probe files that set every field.

/// What a value of the model is in Go.
#[derive(Debug)]
pub enum Shape {
    /// A scalar, or free-form data (`map[string]any`, `Mapping`, labels, `x-*` values): maps
    /// are Go maps, their keys sorted.
    Any,
    /// A struct: its fields in declaration order (the YAML/JSON name and the field's shape).
    /// Keys it does not name (`x-*` extensions, an inline map) follow, sorted.
    Struct(&'static [(&'static str, Shape)]),
    /// A Go map of the given shape, keys sorted.
    Map(&'static Shape),
    /// A slice of the given shape.
    List(&'static Shape),
    /// A pointer to a struct: present though empty (`{}`) when set, unlike a struct value.
    Ptr(&'static Shape),
    /// A scalar field printed even when zero or false: a pointer (`init: false`,
    /// `replicas: 0`), a field without `omitempty` or one whose zero is `true` (`required`).
    Kept,
    /// A field whose JSON tag has no `omitempty` (`command`, `entrypoint`): Go's JSON always
    /// carries it, `null` when unset; YAML leaves it out when empty.
    Always,
    /// compose-go's `UnitBytes` where no loader step made it a string (blkio `rate`): an
    /// integer that both go-yaml and Go's JSON write as a string (`"120"`), kept when zero.
    Bytes,
    /// A scalar that go-yaml writes as 0 when the model leaves it out (ulimit `soft`/`hard`:
    /// compose-go's `MarshalYAML` builds a struct without `omitempty`); Go's JSON omits it.
    Zeroed,
    /// A struct without JSON tags (blkio device entries): Go's JSON names its fields as Go
    /// does (`Path`, `Rate`), none left out; go-yaml uses lower case.
    GoNamed(&'static Shape),
    /// An `x-` extension's value: free-form like `Any`; go-yaml writes the timestamps compose-go
    /// decoded in it (`2024-06-01T00:00:00Z`) unquoted, as `time.Time` values.
    Extension,
}

use Shape::{Always, Any, Bytes, Extension, GoNamed, Kept, List, Map, Ptr, Struct, Zeroed};

impl Shape {
    /// The shape of the value under `key`, and the key's position among the struct's fields
    /// (`None` for a key a struct does not declare, and for map keys).
    pub fn field(&self, key: &str) -> (Option<usize>, &'static Shape) {
        match self {
            Struct(fields) => match fields.iter().position(|(name, _)| *name == key) {
                Some(index) => (Some(index), &fields[index].1),
                None if key.starts_with("x-") => (None, &EXTENSION),
                None => (None, &ANY),
            },
            Map(shape) => (None, shape),
            Ptr(shape) | GoNamed(shape) => shape.field(key),
            Extension => (None, &EXTENSION),
            Any | Kept | Always | List(_) | Bytes | Zeroed => (None, &ANY),
        }
    }

    /// The shape of a sequence's items.
    pub fn item(&self) -> &'static Shape {
        match self {
            List(shape) => shape,
            Ptr(shape) => shape.item(),
            Extension => &EXTENSION,
            _ => &ANY,
        }
    }

    pub fn is_struct(&self) -> bool {
        match self {
            Struct(_) => true,
            Ptr(shape) | GoNamed(shape) => shape.is_struct(),
            _ => false,
        }
    }

    /// Whether an empty value of this shape in a struct field is left out (`omitempty`): an
    /// empty map, slice or struct value is, a set pointer is not.
    pub fn omits_empty(&self) -> bool {
        !matches!(self, Ptr(_))
    }

    /// Whether a zero scalar (0, false, "") in a struct field is left out (`omitempty`).
    pub fn omits_zero(&self) -> bool {
        !matches!(self, Kept | Always | Bytes)
    }

    /// The declared fields of a struct (of a pointer's struct), none for other shapes.
    pub fn fields(&self) -> &'static [(&'static str, Shape)] {
        match self {
            Struct(fields) => fields,
            Ptr(shape) | GoNamed(shape) => shape.fields(),
            _ => &[],
        }
    }
}

const ANY: Shape = Any;
const EXTENSION: Shape = Extension;

pub const PROJECT: Shape = Struct(&[
    ("name", Any),
    ("services", Map(&SERVICE)),
    ("networks", Map(&NETWORK)),
    ("volumes", Map(&VOLUME)),
    ("secrets", Map(&FILE_OBJECT)),
    ("configs", Map(&FILE_OBJECT)),
    ("models", Map(&MODEL)),
]);

pub const SERVICE: Shape = Struct(&[
    ("name", Any),
    ("profiles", Any),
    ("annotations", Any),
    ("attach", Kept),
    ("build", Ptr(&BUILD)),
    ("develop", Ptr(&DEVELOP)),
    ("blkio_config", Ptr(&BLKIO)),
    ("cap_add", Any),
    ("cap_drop", Any),
    ("cgroup_parent", Any),
    ("cgroup", Any),
    ("cpu_count", Any),
    ("cpu_percent", Any),
    ("cpu_period", Any),
    ("cpu_quota", Any),
    ("cpu_rt_period", Any),
    ("cpu_rt_runtime", Any),
    ("cpus", Any),
    ("cpuset", Any),
    ("cpu_shares", Any),
    ("command", Always),
    ("configs", List(&FILE_REFERENCE)),
    ("container_name", Any),
    ("credential_spec", Ptr(&CREDENTIAL_SPEC)),
    ("depends_on", Map(&DEPENDENCY)),
    ("deploy", Ptr(&DEPLOY)),
    ("device_cgroup_rules", Any),
    ("devices", List(&DEVICE)),
    ("dns", Any),
    ("dns_opt", Any),
    ("dns_search", Any),
    ("dockerfile", Any),
    ("domainname", Any),
    ("entrypoint", Always),
    ("provider", Ptr(&PROVIDER)),
    ("environment", Any),
    ("env_file", List(&ENV_FILE)),
    ("expose", Any),
    ("extends", Ptr(&EXTENDS)),
    ("external_links", Any),
    ("extra_hosts", Any),
    ("group_add", Any),
    ("gpus", List(&DEVICE_REQUEST)),
    ("hostname", Any),
    ("healthcheck", Ptr(&HEALTHCHECK)),
    ("image", Any),
    ("init", Kept),
    ("ipc", Any),
    ("isolation", Any),
    ("labels", Any),
    ("label_file", Any),
    ("links", Any),
    ("logging", Ptr(&LOGGING)),
    ("log_driver", Any),
    ("log_opt", Any),
    ("mem_limit", Any),
    ("mem_reservation", Any),
    ("memswap_limit", Any),
    ("mem_swappiness", Any),
    ("mac_address", Any),
    ("models", Map(&SERVICE_MODEL)),
    ("net", Any),
    ("network_mode", Any),
    ("networks", Map(&SERVICE_NETWORK)),
    ("oom_kill_disable", Any),
    ("oom_score_adj", Any),
    ("pid", Any),
    ("pids_limit", Any),
    ("platform", Any),
    ("ports", List(&PORT)),
    ("privileged", Any),
    ("pull_policy", Any),
    ("read_only", Any),
    ("restart", Any),
    ("runtime", Any),
    ("scale", Kept),
    ("secrets", List(&FILE_REFERENCE)),
    ("security_opt", Any),
    ("shm_size", Any),
    ("stdin_open", Any),
    ("stop_grace_period", Any),
    ("stop_signal", Any),
    ("storage_opt", Any),
    ("sysctls", Any),
    ("tmpfs", Any),
    ("tty", Any),
    ("ulimits", Map(&ULIMIT)),
    ("use_api_socket", Any),
    ("user", Any),
    ("userns_mode", Any),
    ("uts", Any),
    ("volume_driver", Any),
    ("volumes", List(&SERVICE_VOLUME)),
    ("volumes_from", Any),
    ("working_dir", Any),
    ("post_start", List(&HOOK)),
    ("pre_stop", List(&HOOK)),
]);

const BUILD: Shape = Struct(&[
    ("context", Any),
    ("dockerfile", Any),
    ("dockerfile_inline", Any),
    ("entitlements", Any),
    ("args", Any),
    ("provenance", Any),
    ("sbom", Any),
    ("ssh", Any),
    ("labels", Any),
    ("cache_from", Any),
    ("cache_to", Any),
    ("no_cache", Any),
    ("no_cache_filter", Any),
    ("additional_contexts", Any),
    ("pull", Any),
    ("extra_hosts", Any),
    ("isolation", Any),
    ("network", Any),
    ("target", Any),
    ("secrets", List(&FILE_REFERENCE)),
    ("shm_size", Any),
    ("tags", Any),
    ("ulimits", Map(&ULIMIT)),
    ("platforms", Any),
    ("privileged", Any),
]);

const DEVELOP: Shape = Struct(&[("watch", List(&TRIGGER))]);

const TRIGGER: Shape = Struct(&[
    ("path", Kept),
    ("action", Kept),
    ("target", Any),
    ("exec", HOOK),
    ("include", Any),
    ("ignore", Any),
    ("initial_sync", Any),
]);

const HOOK: Shape = Struct(&[
    ("command", Always),
    ("user", Any),
    ("privileged", Any),
    ("working_dir", Any),
    ("environment", Any),
]);

const BLKIO: Shape = Struct(&[
    ("weight", Any),
    ("weight_device", List(&GoNamed(&WEIGHT_DEVICE))),
    ("device_read_bps", List(&GoNamed(&THROTTLE_DEVICE))),
    ("device_read_iops", List(&GoNamed(&THROTTLE_DEVICE))),
    ("device_write_bps", List(&GoNamed(&THROTTLE_DEVICE))),
    ("device_write_iops", List(&GoNamed(&THROTTLE_DEVICE))),
]);

// No tags and no `omitempty`: `weight: 0` and `rate: "0"` are printed.
const WEIGHT_DEVICE: Shape = Struct(&[("path", Kept), ("weight", Kept)]);

const THROTTLE_DEVICE: Shape = Struct(&[("path", Kept), ("rate", Bytes)]);

const FILE_REFERENCE: Shape = Struct(&[
    ("source", Any),
    ("target", Any),
    ("uid", Any),
    ("gid", Any),
    ("mode", Any),
]);

const CREDENTIAL_SPEC: Shape = Struct(&[("config", Any), ("file", Any), ("registry", Any)]);

const DEPENDENCY: Shape = Struct(&[("condition", Any), ("restart", Any), ("required", Kept)]);

const DEPLOY: Shape = Struct(&[
    ("mode", Any),
    ("replicas", Kept),
    ("labels", Any),
    ("update_config", Ptr(&UPDATE_CONFIG)),
    ("rollback_config", Ptr(&UPDATE_CONFIG)),
    ("resources", RESOURCES),
    ("restart_policy", Ptr(&RESTART_POLICY)),
    ("placement", PLACEMENT),
    ("endpoint_mode", Any),
]);

const UPDATE_CONFIG: Shape = Struct(&[
    ("parallelism", Kept),
    ("delay", Any),
    ("failure_action", Any),
    ("monitor", Any),
    ("max_failure_ratio", Any),
    ("order", Any),
]);

const RESOURCES: Shape = Struct(&[("limits", Ptr(&RESOURCE)), ("reservations", Ptr(&RESOURCE))]);

const RESOURCE: Shape = Struct(&[
    ("cpus", Any),
    ("memory", Any),
    ("pids", Any),
    ("devices", List(&DEVICE_REQUEST)),
    ("generic_resources", List(&GENERIC_RESOURCE)),
]);

const GENERIC_RESOURCE: Shape = Struct(&[("discrete_resource_spec", Ptr(&DISCRETE_RESOURCE))]);

const DISCRETE_RESOURCE: Shape = Struct(&[("kind", Any), ("value", Any)]);

const RESTART_POLICY: Shape = Struct(&[
    ("condition", Any),
    ("delay", Any),
    ("max_attempts", Kept),
    ("window", Any),
]);

const PLACEMENT: Shape = Struct(&[
    ("constraints", Any),
    ("preferences", List(&PLACEMENT_PREFERENCE)),
    ("max_replicas_per_node", Any),
]);

const PLACEMENT_PREFERENCE: Shape = Struct(&[("spread", Any)]);

const DEVICE: Shape = Struct(&[("source", Any), ("target", Any), ("permissions", Any)]);

const PROVIDER: Shape = Struct(&[("type", Any), ("options", Any)]);

const ENV_FILE: Shape = Struct(&[("path", Any), ("required", Kept), ("format", Any)]);

const EXTENDS: Shape = Struct(&[("file", Any), ("service", Any)]);

const DEVICE_REQUEST: Shape = Struct(&[
    ("capabilities", Any),
    ("driver", Any),
    ("count", Any),
    ("device_ids", Any),
    ("options", Any),
]);

const HEALTHCHECK: Shape = Struct(&[
    ("test", Any),
    ("timeout", Any),
    ("interval", Any),
    ("retries", Kept),
    ("start_period", Any),
    ("start_interval", Any),
    ("disable", Any),
]);

const LOGGING: Shape = Struct(&[("driver", Any), ("options", Any)]);

const SERVICE_MODEL: Shape = Struct(&[("endpoint_var", Any), ("model_var", Any)]);

const SERVICE_NETWORK: Shape = Struct(&[
    ("aliases", Any),
    ("driver_opts", Any),
    ("gw_priority", Any),
    ("interface_name", Any),
    ("ipv4_address", Any),
    ("ipv6_address", Any),
    ("link_local_ips", Any),
    ("mac_address", Any),
    ("priority", Any),
]);

const PORT: Shape = Struct(&[
    ("name", Any),
    ("mode", Any),
    ("host_ip", Any),
    ("target", Any),
    ("published", Any),
    ("protocol", Any),
    ("app_protocol", Any),
]);

const SERVICE_VOLUME: Shape = Struct(&[
    ("type", Any),
    ("source", Any),
    ("target", Any),
    ("read_only", Any),
    ("consistency", Any),
    ("bind", Ptr(&VOLUME_BIND)),
    ("volume", Ptr(&VOLUME_VOLUME)),
    ("tmpfs", Ptr(&VOLUME_TMPFS)),
    ("image", Ptr(&VOLUME_IMAGE)),
]);

const VOLUME_BIND: Shape = Struct(&[
    ("selinux", Any),
    ("propagation", Any),
    ("create_host_path", Any),
    ("recursive", Any),
]);

const VOLUME_VOLUME: Shape = Struct(&[("labels", Any), ("nocopy", Any), ("subpath", Any)]);

const VOLUME_TMPFS: Shape = Struct(&[("size", Any), ("mode", Any)]);

const VOLUME_IMAGE: Shape = Struct(&[("subpath", Any)]);

const ULIMIT: Shape = Struct(&[("soft", Zeroed), ("hard", Zeroed)]);

const NETWORK: Shape = Struct(&[
    ("name", Any),
    ("driver", Any),
    ("driver_opts", Any),
    ("ipam", IPAM),
    ("external", Any),
    ("internal", Any),
    ("attachable", Any),
    ("labels", Any),
    ("enable_ipv4", Kept),
    ("enable_ipv6", Kept),
]);

const IPAM: Shape = Struct(&[("driver", Any), ("config", List(&IPAM_POOL))]);

const IPAM_POOL: Shape = Struct(&[
    ("subnet", Any),
    ("gateway", Any),
    ("ip_range", Any),
    ("aux_addresses", Any),
]);

const VOLUME: Shape = Struct(&[
    ("name", Any),
    ("driver", Any),
    ("driver_opts", Any),
    ("external", Any),
    ("labels", Any),
]);

const FILE_OBJECT: Shape = Struct(&[
    ("name", Any),
    ("file", Any),
    ("environment", Any),
    ("content", Any),
    ("external", Any),
    ("labels", Any),
    ("driver", Any),
    ("driver_opts", Any),
    ("template_driver", Any),
]);

const MODEL: Shape = Struct(&[
    ("name", Any),
    ("model", Any),
    ("context_size", Any),
    ("runtime_flags", Any),
]);

/// go-yaml's order of a Go map's string keys: runs of digits compare as numbers, a letter
/// sorts after a non-letter (except right after a digit), otherwise by code point.
pub fn yaml_key_less(a: &str, b: &str) -> bool {
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    let mut digits = false;
    for i in 0..ar.len().min(br.len()) {
        if ar[i] == br[i] {
            digits = ar[i].is_ascii_digit();
            continue;
        }
        let al = ar[i].is_alphabetic();
        let bl = br[i].is_alphabetic();
        if al && bl {
            return ar[i] < br[i];
        }
        if al || bl {
            return if digits { al } else { bl };
        }
        let (mut an, mut bn) = (0i64, 0i64);
        if ar[i] == '0' || br[i] == '0' {
            let mut j = i;
            while j > 0 && ar[j - 1].is_ascii_digit() {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && ar[ai].is_ascii_digit() {
            an = an.wrapping_mul(10).wrapping_add(ar[ai] as i64 - '0' as i64);
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && br[bi].is_ascii_digit() {
            bn = bn.wrapping_mul(10).wrapping_add(br[bi] as i64 - '0' as i64);
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ar[i] < br[i];
    }
    ar.len() < br.len()
}
