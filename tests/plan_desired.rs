//! The desired state, field by field: model literals in, engine specs out. The first tests use
//! the canonical model of a project brought up with docker compose 2.40.3 and compare with what
//! `docker inspect` showed of its containers, networks and volumes.
#![recursion_limit = "256"]

mod plan_support;

use std::time::Duration;

use plan_support::project;
use rcompose::engine::{
    BindOptions, ContainerSpec, DeviceMapping, DeviceRequest, EndpointSpec, HealthcheckSpec,
    LogConfig, Mount, MountKind, PortBinding, Protocol, RestartPolicy, RestartPolicyName,
    ThrottleDevice, TmpfsOptions, Ulimit, VolumeOptions,
};
use rcompose::plan::{desired_state, labels, Desired, DesiredService};
use serde_json::{json, Value};

/// The canonical model (`config --format json`) of the project inspected with docker compose.
fn inspected_model() -> Value {
    json!({
        "configs": {"conf": {"name": "rcplanexp1_conf", "file": "/tmp/rcplan-exp/app.conf"}},
        "name": "rcplanexp1",
        "networks": {
            "default": {"name": "rcplanexp1_default", "ipam": {}},
            "front": {
                "name": "rcplanexp1_front", "driver": "bridge",
                "driver_opts": {"com.docker.network.bridge.name": "rcpfront0"},
                "ipam": {"config": [{"subnet": "172.31.250.0/24"}]},
                "labels": {"n.l": "2"}, "attachable": true
            }
        },
        "secrets": {"pw": {"name": "rcplanexp1_pw", "file": "/tmp/rcplan-exp/pw.txt"}},
        "services": {
            "db": {
                "command": ["sleep", "100000"], "entrypoint": null,
                "healthcheck": {"test": ["CMD", "true"], "interval": "2s", "timeout": "1s", "retries": 3, "start_period": "1s"},
                "image": "rcompose-test/busybox:latest",
                "networks": {"default": null},
                "volumes": [
                    {"type": "volume", "source": "dbdata", "target": "/data", "volume": {}},
                    {"type": "volume", "target": "/anon", "volume": {}},
                    {"type": "tmpfs", "target": "/tmpfs1", "tmpfs": {"size": "1048576", "mode": 1023}},
                    {"type": "volume", "source": "dbdata", "target": "/nocopy", "volume": {"nocopy": true}},
                    {"type": "bind", "source": "/tmp/rcplan-exp/data", "target": "/bind", "read_only": true, "bind": {"propagation": "rshared"}}
                ]
            },
            "side": {
                "command": ["sleep", "100000"],
                "depends_on": {"db": {"condition": "service_started", "required": true}},
                "entrypoint": null, "image": "rcompose-test/busybox:latest", "network_mode": "service:db"
            },
            "two": {
                "command": ["sleep", "100000"], "cpus": 0.25,
                "depends_on": {"db": {"condition": "service_started", "restart": true, "required": true}},
                "entrypoint": null, "image": "rcompose-test/busybox:latest",
                "links": ["db:database"], "mem_limit": "33554432", "mem_reservation": "16777216",
                "networks": {"default": null}, "pids_limit": 50, "scale": 2, "volumes_from": ["db"]
            },
            "web": {
                "cap_add": ["NET_ADMIN"], "cap_drop": ["MKNOD"], "cgroup_parent": "",
                "command": ["sleep", "100000"],
                "configs": [{"source": "conf", "target": "/etc/app.conf"}],
                "depends_on": {"db": {"condition": "service_healthy", "restart": true, "required": true}},
                "deploy": {"resources": {"limits": {"cpus": 0.5, "memory": "67108864", "pids": 100}, "reservations": {"memory": "33554432"}}, "placement": {}},
                "dns": ["8.8.8.8"], "dns_opt": ["ndots:2"], "dns_search": ["example.org"],
                "domainname": "example.org",
                "entrypoint": ["/bin/sh", "-c", "exec \"$@\"", "--"],
                "environment": {"A": "1", "B": ""},
                "expose": ["3000", "4000/udp"],
                "extra_hosts": ["foo=10.0.0.1"],
                "group_add": ["100"], "hostname": "webhost",
                "image": "rcompose-test/busybox:latest", "init": true, "ipc": "shareable",
                "labels": {"my.label": "x"},
                "logging": {"driver": "json-file", "options": {"max-size": "1m"}},
                "networks": {"default": {}, "front": {"aliases": ["wwww"], "ipv4_address": "172.31.250.10"}},
                "oom_score_adj": 100, "pid": "host",
                "ports": [
                    {"mode": "ingress", "target": 80, "published": "18080", "protocol": "tcp"},
                    {"mode": "ingress", "host_ip": "127.0.0.1", "target": 81, "published": "18081", "protocol": "udp"},
                    {"mode": "ingress", "host_ip": "127.0.0.1", "target": 82, "published": "18082", "protocol": "udp"},
                    {"mode": "ingress", "target": 90, "protocol": "tcp"}
                ],
                "restart": "on-failure:3",
                "secrets": [{"source": "pw", "target": "/run/secrets/pw"}],
                "security_opt": ["no-new-privileges:true"],
                "shm_size": "67108864", "stdin_open": true, "stop_grace_period": "5s", "stop_signal": "SIGINT",
                "sysctls": {"net.core.somaxconn": "1024"},
                "tmpfs": ["/run:size=1m"], "tty": true,
                "ulimits": {"nofile": {"soft": 1024, "hard": 2048}, "nproc": 500},
                "user": "0:0", "working_dir": "/tmp"
            }
        },
        "volumes": {"dbdata": {"name": "rcplanexp1_dbdata", "labels": {"v.l": "1"}}}
    })
}

fn inspected() -> Desired {
    let mut project = project(inspected_model());
    project.name = "rcplanexp1".to_string();
    project.working_dir = "/tmp/rcplan-exp".into();
    project.config_files = vec!["/tmp/rcplan-exp/compose.yaml".into()];
    desired_state(&project)
}

/// Replica 1 of `service`, the other services having replicas 1..n.
fn spec_of(desired: &Desired, service: &str) -> ContainerSpec {
    let peers = |other: &str| -> Vec<(String, u32)> {
        desired
            .service(other)
            .map(|s| {
                (1..=s.replicas.max(1) as u32)
                    .map(|n| (s.container_name(&desired.project, n), n))
                    .collect()
            })
            .unwrap_or_default()
    };
    desired
        .service(service)
        .expect("the service")
        .container_spec(&desired.project, 1, &peers)
        .expect("a spec")
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn container_labels_are_docker_composes() {
    let desired = inspected();
    assert!(desired.errors.is_empty(), "{:?}", desired.errors);
    let spec = spec_of(&desired, "web");
    let keys: Vec<&str> = spec.labels.keys().map(String::as_str).collect();
    // docker compose 2.40.3 put these (and `com.docker.compose.image`, which the reconciler
    // adds when it knows the image id); `io.rcompose.config-hashes` is rcompose's own.
    assert_eq!(
        keys,
        [
            "com.docker.compose.config-hash",
            "com.docker.compose.container-number",
            "com.docker.compose.depends_on",
            "com.docker.compose.oneoff",
            "com.docker.compose.project",
            "com.docker.compose.project.config_files",
            "com.docker.compose.project.working_dir",
            "com.docker.compose.service",
            "com.docker.compose.version",
            "io.rcompose.config-hashes",
            "my.label",
        ]
    );
    let label = |key: &str| spec.labels[key].as_str();
    assert_eq!(label(labels::CONTAINER_NUMBER), "1");
    assert_eq!(label(labels::DEPENDS_ON), "db:service_healthy:true");
    assert_eq!(label(labels::ONEOFF), "False");
    assert_eq!(label(labels::PROJECT), "rcplanexp1");
    assert_eq!(label(labels::CONFIG_FILES), "/tmp/rcplan-exp/compose.yaml");
    assert_eq!(label(labels::WORKING_DIR), "/tmp/rcplan-exp");
    assert_eq!(label(labels::SERVICE), "web");
    assert_eq!(
        label(labels::CONFIG_HASH),
        desired.service("web").unwrap().config_hash
    );
    assert!(label(labels::FIELD_HASHES).starts_with("cap_add="));
    // No dependency: an empty label, as docker compose writes it.
    assert_eq!(spec_of(&desired, "db").labels[labels::DEPENDS_ON], "");
    assert_eq!(
        spec_of(&desired, "side").labels[labels::DEPENDS_ON],
        "db:service_started:false"
    );
}

#[test]
fn a_user_label_cannot_hijack_the_project() {
    let desired = desired_state(&project(json!({
        "services": {"a": {"image": "x", "labels": {"com.docker.compose.project": "other"}}}
    })));
    assert_eq!(spec_of(&desired, "a").labels[labels::PROJECT], "demo");
}

#[test]
fn the_process_fields_are_passed_as_docker_compose_passes_them() {
    let spec = spec_of(&inspected(), "web");
    assert_eq!(spec.name, "rcplanexp1-web-1");
    assert_eq!(spec.image, "rcompose-test/busybox:latest");
    assert_eq!(spec.cmd, Some(strings(&["sleep", "100000"])));
    assert_eq!(
        spec.entrypoint,
        Some(strings(&["/bin/sh", "-c", "exec \"$@\"", "--"]))
    );
    assert_eq!(spec.env, strings(&["A=1", "B="]));
    assert_eq!(spec.working_dir.as_deref(), Some("/tmp"));
    assert_eq!(spec.user.as_deref(), Some("0:0"));
    assert_eq!(spec.hostname.as_deref(), Some("webhost"));
    assert_eq!(spec.domainname.as_deref(), Some("example.org"));
    assert_eq!(spec.group_add, strings(&["100"]));
    assert!(spec.tty && spec.open_stdin && !spec.stdin_once && !spec.attach_stdin);
    assert!(spec.attach_stdout && spec.attach_stderr);
    assert_eq!(spec.init, Some(true));
    assert_eq!(spec.stop_signal.as_deref(), Some("SIGINT"));
    assert_eq!(spec.stop_timeout, Some(Duration::from_secs(5)));
    assert_eq!(
        spec.restart_policy,
        Some(RestartPolicy {
            name: RestartPolicyName::OnFailure,
            maximum_retry_count: 3
        })
    );
    assert_eq!(
        spec.log_config,
        Some(LogConfig {
            driver: "json-file".to_string(),
            options: [("max-size".to_string(), "1m".to_string())].into(),
        })
    );
}

#[test]
fn ports_and_networks_are_passed_as_docker_compose_passes_them() {
    let spec = spec_of(&inspected(), "web");
    assert_eq!(spec.exposed_ports, strings(&["3000/tcp", "4000/udp"]));
    let binding =
        |port: u16, protocol, host_ip: Option<&str>, host_port: Option<&str>| PortBinding {
            container_port: port,
            protocol,
            host_ip: host_ip.map(String::from),
            host_port: host_port.map(String::from),
        };
    assert_eq!(
        spec.port_bindings,
        [
            binding(80, Protocol::Tcp, None, Some("18080")),
            binding(81, Protocol::Udp, Some("127.0.0.1"), Some("18081")),
            binding(82, Protocol::Udp, Some("127.0.0.1"), Some("18082")),
            binding(90, Protocol::Tcp, None, None),
        ]
    );
    // Priority ties: by name, so `default` is the primary network; the container name and
    // the service name are aliases on every network, before the declared ones.
    assert_eq!(spec.network_mode.as_deref(), Some("rcplanexp1_default"));
    assert_eq!(
        spec.endpoints,
        [
            // Both networks are configured by the service (a map, not `null`): docker compose
            // then sends an IPAM config, empty or not.
            EndpointSpec {
                network: "rcplanexp1_default".to_string(),
                aliases: strings(&["rcplanexp1-web-1", "web"]),
                ipam_declared: true,
                ..EndpointSpec::default()
            },
            EndpointSpec {
                network: "rcplanexp1_front".to_string(),
                aliases: strings(&["rcplanexp1-web-1", "web", "wwww"]),
                ipv4_address: Some("172.31.250.10".to_string()),
                ipam_declared: true,
                ..EndpointSpec::default()
            },
        ]
    );
    assert_eq!(spec.extra_hosts, strings(&["foo:10.0.0.1"]));
    assert_eq!(spec.dns, strings(&["8.8.8.8"]));
    assert_eq!(spec.dns_search, strings(&["example.org"]));
    assert_eq!(spec.dns_options, strings(&["ndots:2"]));
}

#[test]
fn isolation_and_resources_are_passed_as_docker_compose_passes_them() {
    let spec = spec_of(&inspected(), "web");
    // With the `CAP_` prefix docker compose adds (checked with `docker inspect`).
    assert_eq!(spec.cap_add, strings(&["CAP_NET_ADMIN"]));
    assert_eq!(spec.cap_drop, strings(&["CAP_MKNOD"]));
    assert_eq!(spec.security_opt, strings(&["no-new-privileges:true"]));
    assert_eq!(
        spec.sysctls,
        [("net.core.somaxconn".to_string(), "1024".to_string())].into()
    );
    assert_eq!(spec.pid_mode.as_deref(), Some("host"));
    assert_eq!(spec.ipc_mode.as_deref(), Some("shareable"));
    assert_eq!(spec.oom_score_adj, Some(100));
    assert_eq!(spec.shm_size, Some(67_108_864));
    assert_eq!(spec.cgroup_parent, None);
    assert_eq!(
        spec.tmpfs,
        [("/run".to_string(), "size=1m".to_string())].into()
    );
    let resources = &spec.resources;
    assert_eq!(resources.memory, Some(67_108_864));
    assert_eq!(resources.nano_cpus, Some(500_000_000));
    assert_eq!(resources.memory_reservation, Some(33_554_432));
    assert_eq!(resources.pids_limit, Some(100));
    assert_eq!(
        resources.ulimits,
        [
            Ulimit {
                name: "nofile".to_string(),
                soft: 1024,
                hard: 2048
            },
            Ulimit {
                name: "nproc".to_string(),
                soft: 500,
                hard: 500
            },
        ]
    );
    // Secrets and configs from files: read-only binds through the mount API.
    assert_eq!(
        spec.mounts,
        [
            Mount {
                kind: MountKind::Bind,
                source: Some("/tmp/rcplan-exp/pw.txt".to_string()),
                target: "/run/secrets/pw".to_string(),
                read_only: true,
                bind: Some(BindOptions::default()),
                ..Mount::default()
            },
            Mount {
                kind: MountKind::Bind,
                source: Some("/tmp/rcplan-exp/app.conf".to_string()),
                target: "/etc/app.conf".to_string(),
                read_only: true,
                ..Mount::default()
            },
        ]
    );
}

#[test]
fn volumes_split_into_binds_and_mounts_as_docker_compose_2_40_does() {
    let desired = inspected();
    let spec = spec_of(&desired, "db");
    assert_eq!(spec.binds, strings(&["rcplanexp1_dbdata:/data:rw"]));
    assert_eq!(
        spec.mounts,
        [
            Mount {
                kind: MountKind::Volume,
                source: None,
                target: "/anon".to_string(),
                volume: Some(VolumeOptions::default()),
                ..Mount::default()
            },
            Mount {
                kind: MountKind::Tmpfs,
                target: "/tmpfs1".to_string(),
                tmpfs: Some(TmpfsOptions {
                    size_bytes: Some(1_048_576),
                    mode: Some(0o1777),
                }),
                ..Mount::default()
            },
            Mount {
                kind: MountKind::Volume,
                source: Some("rcplanexp1_dbdata".to_string()),
                target: "/nocopy".to_string(),
                volume: Some(VolumeOptions {
                    no_copy: true,
                    ..VolumeOptions::default()
                }),
                ..Mount::default()
            },
            Mount {
                kind: MountKind::Bind,
                source: Some("/tmp/rcplan-exp/data".to_string()),
                target: "/bind".to_string(),
                read_only: true,
                bind: Some(BindOptions {
                    propagation: Some("rshared".to_string()),
                    ..BindOptions::default()
                }),
                ..Mount::default()
            },
        ]
    );
    assert_eq!(
        spec.healthcheck,
        Some(HealthcheckSpec {
            test: strings(&["CMD", "true"]),
            interval: Some(Duration::from_secs(2)),
            timeout: Some(Duration::from_secs(1)),
            start_period: Some(Duration::from_secs(1)),
            start_interval: None,
            retries: Some(3),
        })
    );
    let db = desired.service("db").unwrap();
    assert_eq!(
        db.named_volumes,
        strings(&["rcplanexp1_dbdata", "rcplanexp1_dbdata"])
    );
    assert_eq!(db.anonymous_volumes, strings(&["/anon"]));
}

#[test]
fn binds_as_docker_compose_2_40_splits_them() {
    let desired = desired_state(&project(json!({
        "volumes": {"vol": {"name": "demo_vol"}},
        "services": {"a": {"image": "x", "volumes": [
            {"type": "bind", "source": "/h", "target": "/b1", "bind": {"create_host_path": true}},
            {"type": "bind", "source": "/h", "target": "/b2", "read_only": true, "bind": {"create_host_path": true, "selinux": "z"}},
            {"type": "bind", "source": "/h", "target": "/b3"},
            {"type": "bind", "source": "/h", "target": "/b4", "bind": {}},
            {"type": "bind", "source": "/h", "target": "/b5", "bind": {"create_host_path": true, "recursive": "readonly"}},
            {"type": "volume", "source": "vol", "target": "/v1", "read_only": true},
            {"type": "volume", "source": "vol", "target": "/v2", "volume": {"subpath": "sub"}},
            {"type": "volume", "target": "/v3"},
            {"type": "npipe", "source": "\\\\.\\pipe\\p", "target": "\\\\.\\pipe\\p"}
        ]}}
    })));
    let spec = spec_of(&desired, "a");
    assert_eq!(
        spec.binds,
        strings(&["/h:/b1:rw", "/h:/b2:ro,z", "/h:/b3:rw", "demo_vol:/v1:ro"])
    );
    let mounts: Vec<(MountKind, Option<&str>, &str)> = spec
        .mounts
        .iter()
        .map(|m| (m.kind, m.source.as_deref(), m.target.as_str()))
        .collect();
    assert_eq!(
        mounts,
        [
            (MountKind::Bind, Some("/h"), "/b4"),
            (MountKind::Bind, Some("/h"), "/b5"),
            (MountKind::Volume, Some("demo_vol"), "/v2"),
            (MountKind::Volume, None, "/v3"),
            (MountKind::Npipe, Some("\\\\.\\pipe\\p"), "\\\\.\\pipe\\p"),
        ]
    );
    assert_eq!(spec.mounts[0].bind, Some(BindOptions::default()));
    assert!(
        spec.mounts[1]
            .bind
            .as_ref()
            .unwrap()
            .read_only_force_recursive
    );
    assert_eq!(
        spec.mounts[2].volume.as_ref().unwrap().subpath.as_deref(),
        Some("sub")
    );
    assert_eq!(spec.mounts[3].volume, None);
}

#[test]
fn service_references_resolve_to_container_names() {
    let desired = inspected();
    let side = spec_of(&desired, "side");
    // The engine resolves the name to the id at creation: HostConfig.NetworkMode ends up
    // `container:<id>`, as with docker compose.
    assert_eq!(
        side.network_mode.as_deref(),
        Some("container:rcplanexp1-db-1")
    );
    assert!(side.endpoints.is_empty());

    let two = spec_of(&desired, "two");
    assert_eq!(two.volumes_from, strings(&["rcplanexp1-db-1"]));
    assert_eq!(
        two.links,
        strings(&[
            "rcplanexp1-db-1:database",
            "rcplanexp1-db-1:db-1",
            "rcplanexp1-db-1:rcplanexp1-db-1"
        ])
    );
    assert_eq!(two.endpoints[0].links, two.links);
    assert_eq!(desired.service("two").unwrap().replicas, 2);
    // Legacy resource fields.
    assert_eq!(two.resources.nano_cpus, Some(250_000_000));
    assert_eq!(two.resources.memory, Some(33_554_432));
    assert_eq!(two.resources.memory_reservation, Some(16_777_216));
    assert_eq!(two.resources.pids_limit, Some(50));
}

#[test]
fn a_reference_to_a_service_without_containers_is_an_error() {
    let desired = desired_state(&project(json!({
        "services": {
            "a": {"image": "x", "network_mode": "service:b", "ipc": "service:b", "pid": "service:b"},
            "b": {"image": "x", "scale": 0}
        }
    })));
    let service: &DesiredService = desired.service("a").unwrap();
    let none = |_: &str| -> Vec<(String, u32)> { Vec::new() };
    let error = service.container_spec("demo", 1, &none).unwrap_err();
    assert_eq!(
        error,
        "cannot share network namespace with service `b`: it has no container (service `a`)"
    );
    let one = |_: &str| vec![("demo-b-1".to_string(), 1)];
    let spec = service.container_spec("demo", 1, &one).unwrap();
    assert_eq!(spec.ipc_mode.as_deref(), Some("container:demo-b-1"));
    assert_eq!(spec.pid_mode.as_deref(), Some("container:demo-b-1"));
}

#[test]
fn networks_and_volumes_are_labelled_as_docker_compose_labels_them() {
    let desired = inspected();
    let front = desired.network("front").unwrap();
    assert!(!front.external);
    assert_eq!(front.spec.name, "rcplanexp1_front");
    assert_eq!(front.spec.driver.as_deref(), Some("bridge"));
    assert_eq!(
        front.spec.driver_opts,
        [(
            "com.docker.network.bridge.name".to_string(),
            "rcpfront0".to_string()
        )]
        .into()
    );
    assert!(front.spec.attachable && !front.spec.internal);
    let ipam = front.spec.ipam.as_ref().unwrap();
    assert_eq!(ipam.config[0].subnet.as_deref(), Some("172.31.250.0/24"));
    let keys: Vec<&str> = front.spec.labels.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "com.docker.compose.config-hash",
            "com.docker.compose.network",
            "com.docker.compose.project",
            "com.docker.compose.version",
            "n.l"
        ]
    );
    assert_eq!(front.spec.labels[labels::NETWORK], "front");
    assert_eq!(front.spec.labels[labels::CONFIG_HASH], front.config_hash);
    let default = desired.network("default").unwrap();
    assert_eq!(default.spec.ipam, None);
    assert_eq!(default.spec.driver, None);

    let volume = &desired.volumes[0];
    assert_eq!(volume.spec.name, "rcplanexp1_dbdata");
    let keys: Vec<&str> = volume.spec.labels.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "com.docker.compose.config-hash",
            "com.docker.compose.project",
            "com.docker.compose.version",
            "com.docker.compose.volume",
            "v.l"
        ]
    );
    assert_eq!(volume.spec.labels[labels::VOLUME], "dbdata");
}

#[test]
fn services_come_in_start_order() {
    let desired = inspected();
    let names: Vec<&str> = desired.services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["db", "side", "two", "web"]);
}

fn one(service: Value) -> ContainerSpec {
    let desired = desired_state(&project(json!({
        "networks": {"default": {"name": "demo_default", "ipam": {}}},
        "services": {"s": service}
    })));
    assert!(desired.errors.is_empty(), "{:?}", desired.errors);
    spec_of(&desired, "s")
}

#[test]
fn healthchecks_durations_and_disable() {
    let spec = one(json!({"image": "x", "healthcheck": {
        "test": ["CMD-SHELL", "true"], "interval": "1m30s", "timeout": "1500ms",
        "start_interval": "250ms", "retries": 5
    }}));
    assert_eq!(
        spec.healthcheck,
        Some(HealthcheckSpec {
            test: strings(&["CMD-SHELL", "true"]),
            interval: Some(Duration::from_secs(90)),
            timeout: Some(Duration::from_millis(1500)),
            start_interval: Some(Duration::from_millis(250)),
            start_period: None,
            retries: Some(5),
        })
    );
    let disabled = one(json!({"image": "x", "healthcheck": {"disable": true}}));
    assert_eq!(disabled.healthcheck.unwrap().test, strings(&["NONE"]));
}

#[test]
fn restart_policies() {
    let policy = |service: Value| one(service).restart_policy;
    assert_eq!(policy(json!({"image": "x"})), None);
    assert_eq!(
        policy(json!({"image": "x", "restart": "no"})).unwrap().name,
        RestartPolicyName::No
    );
    assert_eq!(
        policy(json!({"image": "x", "restart": "unless-stopped"}))
            .unwrap()
            .name,
        RestartPolicyName::UnlessStopped
    );
    // deploy.restart_policy wins.
    assert_eq!(
        policy(
            json!({"image": "x", "restart": "always", "deploy": {"restart_policy": {"condition": "on-failure", "max_attempts": 2}}})
        ),
        Some(RestartPolicy {
            name: RestartPolicyName::OnFailure,
            maximum_retry_count: 2
        })
    );
}

#[test]
fn ports_expose_ranges_and_published_ranges() {
    let spec = one(json!({"image": "x", "expose": ["7000-7002/udp"], "ports": [
        {"target": 80, "published": "8000-8010", "protocol": "tcp", "mode": "ingress"},
        {"target": 53, "protocol": "sctp", "host_ip": "::1", "mode": "ingress"}
    ]}));
    assert_eq!(
        spec.exposed_ports,
        strings(&["7000/udp", "7001/udp", "7002/udp"])
    );
    assert_eq!(
        spec.port_bindings[0].host_port.as_deref(),
        Some("8000-8010")
    );
    assert_eq!(spec.port_bindings[1].protocol, Protocol::Sctp);
    assert_eq!(spec.port_bindings[1].host_ip.as_deref(), Some("::1"));
}

#[test]
fn network_modes() {
    let mode = |value: &str| {
        let spec = one(json!({"image": "x", "network_mode": value}));
        (
            spec.network_mode,
            spec.network_disabled,
            spec.endpoints.len(),
        )
    };
    assert_eq!(mode("host"), (Some("host".to_string()), false, 0));
    assert_eq!(mode("none"), (Some("none".to_string()), false, 0));
    assert_eq!(mode("bridge"), (Some("bridge".to_string()), false, 0));
    assert_eq!(
        mode("container:abc"),
        (Some("container:abc".to_string()), false, 0)
    );
    assert_eq!(mode("disabled"), (Some("none".to_string()), true, 0));
}

#[test]
fn network_priority_picks_the_primary() {
    let desired = desired_state(&project(json!({
        "networks": {
            "a": {"name": "demo_a", "ipam": {}},
            "b": {"name": "demo_b", "ipam": {}}
        },
        "services": {"s": {"image": "x", "mac_address": "02:42:ac:11:00:02", "networks": {
            "a": {"priority": 1},
            "b": {"priority": 10, "ipv6_address": "fd00::5", "link_local_ips": ["169.254.1.1"], "gw_priority": 3, "driver_opts": {"k": "v"}}
        }}}
    })));
    let spec = spec_of(&desired, "s");
    assert_eq!(spec.network_mode.as_deref(), Some("demo_b"));
    assert_eq!(spec.endpoints[0].ipv6_address.as_deref(), Some("fd00::5"));
    assert_eq!(spec.endpoints[0].link_local_ips, strings(&["169.254.1.1"]));
    assert_eq!(spec.endpoints[0].gw_priority, Some(3));
    assert_eq!(
        spec.endpoints[0].driver_opts,
        [("k".to_string(), "v".to_string())].into()
    );
    assert_eq!(spec.mac_address.as_deref(), Some("02:42:ac:11:00:02"));
}

#[test]
fn container_name_platform_and_environment() {
    let mut project = project(json!({"services": {"s": {
        "image": "x", "container_name": "fixed",
        "environment": {"SET": "1", "UNSET": null, "NUMBER": 5}
    }}}));
    project.environment.insert(
        "DOCKER_DEFAULT_PLATFORM".to_string(),
        "linux/arm64".to_string(),
    );
    let desired = desired_state(&project);
    let spec = spec_of(&desired, "s");
    assert_eq!(spec.name, "fixed");
    assert_eq!(spec.platform.as_deref(), Some("linux/arm64"));
    assert_eq!(spec.env, strings(&["NUMBER=5", "SET=1", "UNSET"]));
    // A service with only `build`: the image is named after the project and service.
    let built = one(json!({"build": {"context": "."}}));
    assert_eq!(built.image, "demo-s");
}

#[test]
fn devices_gpus_and_blkio() {
    let spec = one(json!({
        "image": "x",
        "devices": [
            {"source": "/dev/fuse", "target": "/dev/fuse", "permissions": "rwm"},
            {"source": "/dev/sda", "target": "/dev/xvda", "permissions": "r"},
            {"source": "nvidia.com/gpu=all", "target": "nvidia.com/gpu=all"}
        ],
        "gpus": "all",
        "blkio_config": {"weight": 300, "device_read_bps": [{"path": "/dev/sda", "rate": "1mb"}]},
        "deploy": {"resources": {"reservations": {"devices": [{"capabilities": ["gpu"], "count": -1, "driver": "nvidia"}]}}},
        "device_cgroup_rules": ["c 1:3 mr"],
        "cpu_shares": 512, "cpu_rt_runtime": "400ms", "cpuset": "0-1", "mem_swappiness": 10,
        "memswap_limit": "-1", "oom_kill_disable": true
    }));
    let resources = spec.resources;
    assert_eq!(
        resources.devices,
        [
            DeviceMapping {
                path_on_host: "/dev/fuse".into(),
                path_in_container: "/dev/fuse".into(),
                cgroup_permissions: "rwm".into()
            },
            DeviceMapping {
                path_on_host: "/dev/sda".into(),
                path_in_container: "/dev/xvda".into(),
                cgroup_permissions: "r".into()
            },
        ]
    );
    assert_eq!(
        resources.device_requests,
        [
            DeviceRequest {
                driver: Some("nvidia".into()),
                count: Some(-1),
                capabilities: vec![strings(&["gpu"])],
                ..DeviceRequest::default()
            },
            DeviceRequest {
                driver: Some("cdi".into()),
                device_ids: strings(&["nvidia.com/gpu=all"]),
                ..DeviceRequest::default()
            },
            DeviceRequest {
                count: Some(-1),
                capabilities: vec![strings(&["gpu"])],
                ..DeviceRequest::default()
            },
        ]
    );
    assert_eq!(resources.blkio_weight, Some(300));
    assert_eq!(
        resources.blkio_device_read_bps,
        [ThrottleDevice {
            path: "/dev/sda".into(),
            rate: 1_048_576
        }]
    );
    assert_eq!(resources.device_cgroup_rules, strings(&["c 1:3 mr"]));
    assert_eq!(resources.cpu_shares, Some(512));
    assert_eq!(resources.cpu_realtime_runtime, Some(400_000));
    assert_eq!(resources.cpuset_cpus.as_deref(), Some("0-1"));
    assert_eq!(resources.memory_swappiness, Some(10));
    assert_eq!(resources.memory_swap, Some(-1));
    assert_eq!(resources.oom_kill_disable, Some(true));
}

#[test]
fn privileges_and_namespaces() {
    let spec = one(json!({
        "image": "x", "privileged": true, "read_only": true, "userns_mode": "host",
        "uts": "host", "cgroup": "private", "cgroup_parent": "/parent", "isolation": "process",
        "runtime": "runc", "storage_opt": {"size": "1G"}, "volume_driver": "local",
        "annotations": {"a": "b"}, "security_opt": ["systempaths=unconfined", "label:disable"],
        "volumes_from": ["container:other:ro"]
    }));
    assert!(spec.privileged && spec.read_only);
    assert_eq!(spec.userns_mode.as_deref(), Some("host"));
    assert_eq!(spec.uts_mode.as_deref(), Some("host"));
    assert_eq!(spec.cgroupns_mode.as_deref(), Some("private"));
    assert_eq!(spec.cgroup_parent.as_deref(), Some("/parent"));
    assert_eq!(spec.isolation.as_deref(), Some("process"));
    assert_eq!(spec.runtime.as_deref(), Some("runc"));
    assert_eq!(
        spec.storage_opt,
        [("size".to_string(), "1G".to_string())].into()
    );
    assert_eq!(spec.volume_driver.as_deref(), Some("local"));
    assert_eq!(
        spec.annotations,
        [("a".to_string(), "b".to_string())].into()
    );
    assert_eq!(spec.masked_paths, Some(Vec::new()));
    assert_eq!(spec.readonly_paths, Some(Vec::new()));
    assert_eq!(spec.security_opt, strings(&["label:disable"]));
    assert_eq!(spec.volumes_from, strings(&["other:ro"]));
}

#[test]
fn a_seccomp_profile_file_is_inlined() {
    let dir = std::env::temp_dir().join(format!("rcompose-plan-seccomp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("profile.json"),
        "{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\"\n}\n",
    )
    .unwrap();
    let mut project = project(
        json!({"services": {"s": {"image": "x", "security_opt": ["seccomp:profile.json"]}}}),
    );
    project.working_dir = dir.clone();
    let desired = desired_state(&project);
    let spec = spec_of(&desired, "s");
    assert_eq!(
        spec.security_opt,
        strings(&["seccomp={\"defaultAction\":\"SCMP_ACT_ALLOW\"}"])
    );

    project.model =
        json!({"services": {"s": {"image": "x", "security_opt": ["seccomp=missing.json"]}}});
    let desired = desired_state(&project);
    assert_eq!(desired.errors.len(), 1, "{:?}", desired.errors);
    assert!(
        desired.errors[0].contains("reading the seccomp profile"),
        "{:?}",
        desired.errors
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn what_cannot_be_done_is_an_error_not_a_panic() {
    let desired = desired_state(&project(json!({
        "secrets": {
            "ext": {"name": "ext", "external": true},
            "env": {"name": "demo_env", "environment": "TOKEN"}
        },
        "services": {
            "s": {"image": "x", "container_name": "c", "scale": 2,
                  "secrets": [{"source": "ext"}, {"source": "env"}, {"source": "undefined"}]},
            "broken": {"image": 5, "ports": [{"target": "nope"}], "volumes": [{"type": "cluster", "target": "/x"}, 7],
                       "healthcheck": "bad", "ulimits": {"nofile": "x"}, "restart": "sometimes"}
        }
    })));
    assert_eq!(
        desired.errors,
        [
            "service `s` sets `container_name`, so it cannot have 2 replicas: remove `container_name` to scale it",
            "service `s`: external secret `ext` is not supported without swarm",
            "environment variable `TOKEN` required by secret `env` is not set (service `s`)",
            "service `s` uses secret `undefined`, which is not defined",
        ]
    );
    assert_eq!(desired.warnings.len(), 4, "{:?}", desired.warnings);
}

#[test]
fn field_hashes_leave_out_what_the_config_hash_leaves_out() {
    let hashes = rcompose::plan::field_hashes(&json!({
        "image": "x", "depends_on": {"a": {}}, "scale": 3, "deploy": {"replicas": 2}, "command": ["a"]
    }));
    let fields: Vec<&str> = hashes.keys().map(String::as_str).collect();
    // `deploy` less `replicas` is still hashed (as `{}`), as in the config hash.
    assert_eq!(fields, ["command", "deploy", "image"]);
    assert!(hashes.values().all(|h| h.len() == 12));
    let label = rcompose::plan::field_hashes_label(&hashes);
    assert_eq!(rcompose::plan::parse_field_hashes(&label), hashes);
}
