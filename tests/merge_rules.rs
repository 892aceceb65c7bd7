//! Merging `-f` files: each case states what docker compose v2.40.3 (compose-go v2.9.1) makes
//! of the same files. Outcomes are the merged tree before canonicalisation, so short syntax
//! stays short; the comments give what `docker compose config` printed, which is the same
//! meaning in canonical form. Cases marked "compose-go test" re-express that project's own
//! merge tests.

mod merge_support;

use merge_support::{yaml, yaml_in};
use rcompose::diag::Diagnostic;
use rcompose::project::merge::{enforce_unicity, merge, merge_all};
use serde_json::{json, Value as Json};

fn merged(files: &[&str]) -> (Json, Vec<Diagnostic>) {
    let docs = files
        .iter()
        .enumerate()
        .map(|(index, text)| yaml_in(text, index as u32));
    let (node, diagnostics) = merge_all(docs);
    (node.to_json(), diagnostics)
}

fn services(files: &[&str]) -> Json {
    let (json, diagnostics) = merged(files);
    assert!(
        diagnostics.is_empty(),
        "unexpected diagnostics: {diagnostics:#?}"
    );
    json["services"].clone()
}

#[test]
fn scalars_replace_mappings_merge_sequences_append() {
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    user: root
    cap_add: [NET_ADMIN]
    x-meta: {a: 1, b: 2}
    deploy:
      resources: {limits: {cpus: "1", memory: 1g}}
      placement: {constraints: [c1]}
"#,
        r#"
services:
  web:
    image: nginx:2
    cap_add: [SYS_TIME]
    x-meta: {c: 3}
    deploy:
      resources: {limits: {memory: 2g}}
      placement: {constraints: [c2]}
"#,
    ]);
    assert_eq!(
        out,
        json!({"web": {
            "image": "nginx:2",
            "user": "root",
            "cap_add": ["NET_ADMIN", "SYS_TIME"],
            // docker compose v2.40 merges extension mappings too (older versions replaced them)
            "x-meta": {"a": 1, "b": 2, "c": 3},
            "deploy": {
                "resources": {"limits": {"cpus": "1", "memory": "2g"}},
                "placement": {"constraints": ["c1", "c2"]}
            }
        }})
    );
}

#[test]
fn shell_commands_are_replaced() {
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    command: [echo, a]
    entrypoint: [sh, -c]
    healthcheck: {test: [CMD, a], interval: 1s, retries: 3}
"#,
        r#"
services:
  web:
    command: echo b
    entrypoint: [bash]
    healthcheck: {test: curl x, retries: 5}
"#,
    ]);
    assert_eq!(
        out,
        json!({"web": {
            "image": "nginx",
            "command": "echo b",
            "entrypoint": ["bash"],
            "healthcheck": {"test": "curl x", "interval": "1s", "retries": 5}
        }})
    );
}

#[test]
fn null_keeps_the_earlier_value_except_for_replaced_attributes() {
    // docker compose: command and entrypoint disappear, the rest stays
    let out = services(&[
        r#"
services:
  a:
    image: nginx
    command: [a, b]
    entrypoint: [x]
    environment: {A: "1"}
    labels: [x=1]
    healthcheck: {test: [CMD, x], interval: 1s}
    ulimits: {nproc: 10}
    build: .
    depends_on: [b]
    logging: {driver: syslog}
"#,
        r#"
services:
  a:
    image: null
    command: null
    entrypoint:
    environment: null
    labels:
    healthcheck: {interval: null}
    ulimits: null
    build: null
    depends_on: null
    logging: null
"#,
    ]);
    assert_eq!(
        out,
        json!({"a": {
            "image": "nginx",
            "command": null,
            "entrypoint": null,
            "environment": ["A=1"],
            "labels": ["x=1"],
            "healthcheck": {"test": ["CMD", "x"], "interval": "1s"},
            "ulimits": {"nproc": 10},
            "build": {"context": "."},
            "depends_on": {"b": {"condition": "service_started", "required": true}},
            // docker compose v2.40.3 panics on `logging: null` in an override file
            "logging": {"driver": "syslog"}
        }})
    );
}

#[test]
fn environment_is_merged_as_a_list_and_the_later_key_wins_in_place() {
    // docker compose: {A: "3", B: "2", C: null}
    let out = services(&[
        "services:\n  web:\n    image: nginx\n    environment: {B: \"2\", A: \"1\"}\n",
        "services:\n  web:\n    environment: [A=3, C]\n",
    ]);
    assert_eq!(out["web"]["environment"], json!(["A=3", "B=2", "C"]));
}

#[test]
fn key_value_attributes_mix_lists_and_mappings() {
    // docker compose: annotations {x: 1, y: 2}; sysctls {net.a: 2, net.b: 3};
    // deploy.labels {a: 1, b: 2}; networks.n.labels {a: 1, b: 2}
    let out = merged(&[
        r#"
services:
  web:
    image: nginx
    annotations: {x: "1"}
    sysctls: [net.a=1]
    deploy: {labels: {a: "1"}}
networks:
  n: {labels: {a: "1"}}
"#,
        r#"
services:
  web:
    annotations: [y=2]
    sysctls: {net.a: 2, net.b: 3}
    deploy: {labels: [b=2]}
networks:
  n: {labels: [b=2]}
"#,
    ])
    .0;
    let web = &out["services"]["web"];
    assert_eq!(web["annotations"], json!(["x=1", "y=2"]));
    assert_eq!(web["sysctls"], json!(["net.a=2", "net.b=3"]));
    assert_eq!(web["deploy"]["labels"], json!(["a=1", "b=2"]));
    assert_eq!(out["networks"]["n"]["labels"], json!(["a=1", "b=2"]));
}

#[test]
fn extra_hosts_drop_later_entries_equal_to_earlier_ones() {
    // docker compose: a=1.1.1.1, a=2.2.2.2, b=3.3.3.3 twice (`b:3.3.3.3` is not `b=3.3.3.3`),
    // c=4.4.4.4, c=5.5.5.5
    let out = services(&[
        "services:\n  web:\n    image: nginx\n    extra_hosts: [\"a=2.2.2.2\", \"b:3.3.3.3\"]\n",
        "services:\n  web:\n    extra_hosts: {a: 1.1.1.1, b: 3.3.3.3, c: [4.4.4.4, 5.5.5.5]}\n",
    ]);
    assert_eq!(
        out["web"]["extra_hosts"],
        json!([
            "a=2.2.2.2",
            "b:3.3.3.3",
            "a=1.1.1.1",
            "b=3.3.3.3",
            "c=4.4.4.4",
            "c=5.5.5.5"
        ])
    );
    let out = services(&[
        "services:\n  web:\n    image: nginx\n    extra_hosts: {a: 2.2.2.2}\n",
        "services:\n  web:\n    extra_hosts: [\"a:2.2.2.2\", \"a=2.2.2.2\"]\n",
    ]);
    assert_eq!(out["web"]["extra_hosts"], json!(["a=2.2.2.2", "a:2.2.2.2"]));
}

#[test]
fn ports_are_appended_then_deduplicated_port_by_port() {
    // docker compose: 80→80, 8080→80, 8081→81, 127.0.0.1:80→80, 9000
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    ports:
      - "80:80"
      - "80:80"
      - {target: 80, published: "80"}
      - "8080-8081:80-81"
"#,
        r#"
services:
  web:
    ports:
      - "8080:80"
      - "127.0.0.1:80:80"
      - 9000
"#,
    ]);
    assert_eq!(
        out["web"]["ports"],
        json!([{"target": 80, "published": "80"}, "8080:80", "8081:81", "127.0.0.1:80:80", 9000])
    );
}

#[test]
fn ports_with_an_integer_published_never_match_the_short_syntax() {
    // A compose-go quirk kept on purpose: the long syntax with `published: 5000` (an integer)
    // is a different port from `5000:50` for deduplication. docker compose printed three
    // ports: 5000→50 named x, 5000→50 with app_protocol, 4000→40.
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    ports:
      - "5000:50"
      - {target: 50, published: 5000, app_protocol: http}
      - "4000:40"
"#,
        r#"
services:
  web:
    ports:
      - "4000:40/tcp"
      - {target: 50, published: "5000", name: x}
"#,
    ]);
    assert_eq!(
        out["web"]["ports"],
        json!([
            {"target": 50, "published": "5000", "name": "x"},
            {"target": 50, "published": 5000, "app_protocol": "http"},
            "4000:40/tcp"
        ])
    );
}

#[test]
fn host_ip_0_0_0_0_is_the_default_for_deduplication() {
    // docker compose: one port 5000→50/udp with host_ip 0.0.0.0
    let out = services(&[
        "services:\n  web:\n    image: nginx\n    ports: [\"5000:50/udp\", \"0.0.0.0:5000:50/udp\"]\n",
    ]);
    assert_eq!(out["web"]["ports"], json!(["0.0.0.0:5000:50/udp"]));
}

#[test]
fn volumes_are_merged_by_target() {
    // docker compose: other→/data, v2→/src, ./x→/x, /tmp→/tmp read-only, ./y→/y
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    volumes:
      - "data:/data"
      - "./src:/src:ro"
      - {type: bind, source: ./x, target: /x}
      - "/tmp:/tmp"
"#,
        r#"
services:
  web:
    volumes:
      - "other:/data"
      - {type: volume, source: v2, target: /src}
      - "./y:/y"
      - "/tmp:/tmp:ro"
"#,
    ]);
    assert_eq!(
        out["web"]["volumes"],
        json!([
            "other:/data",
            {"type": "volume", "source": "v2", "target": "/src"},
            {"type": "bind", "source": "./x", "target": "/x"},
            "/tmp:/tmp:ro",
            "./y:/y"
        ])
    );
}

#[test]
fn secrets_and_configs_are_merged_by_target() {
    // docker compose: secrets s1, s2, s3→custom, s4→s1, s3→/run/secrets/custom;
    // configs c3→/c1, c2
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    secrets: [s1, {source: s2, target: /run/secrets/s2}, {source: s3, target: custom}]
    configs: [c1, {source: c2, target: /c2}]
"#,
        r#"
services:
  web:
    secrets: [{source: s4, target: s1}, s2, {source: s3, target: /run/secrets/custom}]
    configs: [{source: c3, target: /c1}, {source: c2}]
"#,
    ]);
    assert_eq!(
        out["web"]["secrets"],
        json!([
            "s1",
            "s2",
            {"source": "s3", "target": "custom"},
            {"source": "s4", "target": "s1"},
            {"source": "s3", "target": "/run/secrets/custom"}
        ])
    );
    assert_eq!(
        out["web"]["configs"],
        json!([{"source": "c3", "target": "/c1"}, {"source": "c2"}])
    );
}

#[test]
fn string_or_list_attributes_append_without_duplicates() {
    // docker compose printed exactly these lists (in canonical form)
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    expose: [80, "443", "80"]
    dns: 1.1.1.1
    dns_search: [a.com]
    cap_add: [NET_ADMIN, SYS_TIME]
    tmpfs: /run
    links: [db, "db:alias"]
    devices: ["/dev/a:/dev/b", "/dev/c"]
    profiles: [p2]
"#,
        r#"
services:
  web:
    expose: ["80", 443, "8080/udp"]
    dns: [1.1.1.1, 8.8.8.8]
    dns_search: b.com
    cap_add: [NET_ADMIN]
    tmpfs: [/run, /tmp]
    links: [db]
    devices: ["/dev/x:/dev/b:r", "/dev/c"]
    profiles: [p2, p2]
"#,
    ]);
    let web = &out["web"];
    assert_eq!(web["expose"], json!(["80", 443, "8080/udp"]));
    assert_eq!(web["dns"], json!(["1.1.1.1", "8.8.8.8"]));
    assert_eq!(web["dns_search"], json!(["a.com", "b.com"]));
    assert_eq!(web["cap_add"], json!(["NET_ADMIN", "SYS_TIME"]));
    assert_eq!(web["tmpfs"], json!(["/run", "/tmp"]));
    assert_eq!(web["links"], json!(["db", "db:alias"]));
    assert_eq!(web["devices"], json!(["/dev/x:/dev/b:r", "/dev/c"]));
    assert_eq!(web["profiles"], json!(["p2"]));
}

#[test]
fn logging_options_merge_only_for_the_same_driver() {
    // compose-go tests (same, distinct, implicit driver), and the binary for c and d
    let out = services(&[
        r#"
services:
  a:
    image: nginx
    logging: {driver: json-file, options: {max-size: 10m, max-file: "3"}}
  b:
    image: nginx
    logging: {driver: json-file, options: {max-size: 10m}}
  c:
    image: nginx
    logging: {options: {max-size: 10m}}
  d:
    image: nginx
    logging: {driver: syslog, options: {max-size: 10m}}
"#,
        r#"
services:
  a:
    logging: {driver: json-file, options: {max-size: 20m}}
  b:
    logging: {driver: syslog, options: {syslog-address: "tcp://x"}}
  c:
    logging: {driver: syslog, options: {syslog-address: "tcp://x"}}
  d:
    logging: {options: {tag: x}}
"#,
    ]);
    assert_eq!(
        out["a"]["logging"],
        json!({"driver": "json-file", "options": {"max-size": "20m", "max-file": "3"}})
    );
    assert_eq!(
        out["b"]["logging"],
        json!({"driver": "syslog", "options": {"syslog-address": "tcp://x"}})
    );
    assert_eq!(
        out["c"]["logging"],
        json!({"driver": "syslog", "options": {"max-size": "10m", "syslog-address": "tcp://x"}})
    );
    assert_eq!(
        out["d"]["logging"],
        json!({"driver": "syslog", "options": {"max-size": "10m", "tag": "x"}})
    );
}

#[test]
fn build_as_a_string_is_a_context() {
    let out = services(&[
        r#"
services:
  a:
    build: ./dir
  b:
    build: {context: ./dir, args: {A: "1", B: "2"}, labels: [l=1], tags: [t1], dockerfile: Df}
  c:
    build: {context: ./dir, dockerfile: Df}
"#,
        r#"
services:
  a:
    build: {dockerfile: Other}
  b:
    build: {args: [A=3, C], labels: {m: "2"}, tags: [t2, t1]}
  c:
    build: ./other
"#,
    ]);
    assert_eq!(
        out["a"]["build"],
        json!({"context": "./dir", "dockerfile": "Other"})
    );
    assert_eq!(
        out["b"]["build"],
        json!({
            "context": "./dir",
            "dockerfile": "Df",
            "args": ["A=3", "B=2", "C"],
            "labels": ["l=1", "m=2"],
            "tags": ["t1", "t2"]
        })
    );
    assert_eq!(
        out["c"]["build"],
        json!({"context": "./other", "dockerfile": "Df"})
    );
}

#[test]
fn depends_on_and_networks_accept_lists_and_mappings() {
    let started = json!({"condition": "service_started", "required": true});
    let out = services(&[
        r#"
services:
  a:
    image: nginx
    depends_on: [db, cache]
    networks: [n1, n2]
  b:
    image: nginx
    depends_on: {db: {condition: service_healthy, restart: true}}
    networks: {n1: {aliases: [x, y]}, n2: null}
"#,
        r#"
services:
  a:
    depends_on: {db: {condition: service_healthy}}
    networks: {n1: {aliases: [z]}, n3: {}}
  b:
    depends_on: [cache, db]
    networks: [n3, n1]
"#,
    ]);
    assert_eq!(
        out["a"]["depends_on"],
        json!({"db": {"condition": "service_healthy", "required": true}, "cache": started})
    );
    assert_eq!(
        out["a"]["networks"],
        json!({"n1": {"aliases": ["z"]}, "n2": null, "n3": {}})
    );
    // A name in a later list resets the condition: docker compose printed
    // db: {condition: service_started, restart: true, required: true}
    assert_eq!(
        out["b"]["depends_on"],
        json!({
            "db": {"condition": "service_started", "restart": true, "required": true},
            "cache": started
        })
    );
    assert_eq!(
        out["b"]["networks"],
        json!({"n1": {"aliases": ["x", "y"]}, "n2": null, "n3": null})
    );
}

#[test]
fn network_aliases_and_link_local_ips_are_deduplicated() {
    // compose-go test: Test_mergeYamlNetworksMapping
    let out = services(&[
        r#"
services:
  test:
    image: foo
    networks:
      network1:
        aliases: [alias1, alias2]
        link_local_ips: [57.123.22.11, 57.123.22.13]
      network2:
        aliases: [alias1, alias3]
"#,
        r#"
services:
  test:
    networks:
      network1:
        aliases: [alias3, alias1]
        link_local_ips: [57.123.22.12, 57.123.22.13]
"#,
    ]);
    assert_eq!(
        out["test"]["networks"],
        json!({
            "network1": {
                "aliases": ["alias1", "alias2", "alias3"],
                "link_local_ips": ["57.123.22.11", "57.123.22.13", "57.123.22.12"]
            },
            "network2": {"aliases": ["alias1", "alias3"]}
        })
    );
}

#[test]
fn ulimits_are_replaced_one_by_one() {
    let out = services(&[
        r#"
services:
  a:
    image: nginx
    ulimits: {nproc: 100, nofile: {soft: 10, hard: 20}, core: {soft: 1, hard: 2}, stack: 5}
"#,
        r#"
services:
  a:
    ulimits: {nproc: {soft: 5, hard: 6}, nofile: {soft: 11, hard: 12}, core: 3}
"#,
    ]);
    assert_eq!(
        out["a"]["ulimits"],
        json!({"nproc": {"soft": 5, "hard": 6}, "nofile": {"soft": 11, "hard": 12}, "core": 3, "stack": 5})
    );
}

#[test]
fn env_files_are_merged_by_path() {
    let out = services(&[
        "services:\n  a:\n    image: nginx\n    env_file: [a.env, {path: b.env, required: false}]\n  b:\n    image: nginx\n    env_file: c.env\n",
        "services:\n  a:\n    env_file: [{path: a.env, required: false}, c.env]\n  b:\n    env_file: [c.env, d.env]\n",
    ]);
    assert_eq!(
        out["a"]["env_file"],
        json!([{"path": "a.env", "required": false}, {"path": "b.env", "required": false}, "c.env"])
    );
    assert_eq!(out["b"]["env_file"], json!(["c.env", "d.env"]));
}

#[test]
fn ipam_pools_reproduce_compose_go_exactly() {
    // docker compose printed n1 pools [{subnet 10.5.0.0/24, ip_range 10.0.0.0/25},
    // {subnet 10.5.0.0/24}], and no pool at all for n2
    let out = merged(&[
        r#"
networks:
  n1:
    ipam:
      config:
        - {subnet: 10.0.0.0/24, gateway: 10.0.0.1}
        - {subnet: 10.1.0.0/24}
  n2:
    ipam:
      config:
        - {subnet: 10.2.0.0/24}
"#,
        r#"
networks:
  n1:
    ipam:
      config:
        - {subnet: 10.0.0.0/24, ip_range: 10.0.0.0/25}
        - {subnet: 10.5.0.0/24}
  n2:
    ipam:
      config: []
"#,
    ])
    .0;
    assert_eq!(
        out["networks"]["n1"]["ipam"]["config"],
        json!([{"subnet": "10.5.0.0/24", "ip_range": "10.0.0.0/25"}, {"subnet": "10.5.0.0/24"}])
    );
    assert_eq!(out["networks"]["n2"]["ipam"]["config"], json!([]));
}

#[test]
fn reset_removes_and_override_replaces() {
    // The spec's examples, and what docker compose printed for them
    let out = services(&[
        r#"
services:
  web:
    image: nginx
    ports: ["80:80"]
    environment: {A: "1", B: "2"}
    labels: [x=1]
    dns: [1.1.1.1]
    deploy: {resources: {limits: {memory: 1g, cpus: "1"}}}
    healthcheck: {test: [CMD, x], interval: 10s}
    depends_on: {db: {condition: service_healthy, restart: true}}
  db:
    image: pg
  cache:
    image: redis
"#,
        r#"
services:
  web:
    ports: !reset []
    environment:
      A: !reset null
    labels: !override [y=2]
    dns: !override 8.8.8.8
    deploy: !override {resources: {limits: {memory: 2g}}}
    healthcheck:
      interval: !reset
      test: !override [CMD, y]
    depends_on:
      db: !override {condition: service_started}
  cache: !reset
"#,
    ]);
    assert_eq!(
        out,
        json!({
            "web": {
                "image": "nginx",
                "environment": ["B=2"],
                "labels": ["y=2"],
                "dns": "8.8.8.8",
                "deploy": {"resources": {"limits": {"memory": "2g"}}},
                "healthcheck": {"test": ["CMD", "y"]},
                "depends_on": {"db": {"condition": "service_started"}}
            },
            "db": {"image": "pg"}
        })
    );
}

#[test]
fn reset_acts_on_what_the_earlier_files_made_of_the_value() {
    // depends_on and networks are mappings once merged or canonical, so a `!reset` key removes
    // a name of an earlier list; environment keeps its list form, so `A: !reset` does nothing
    // there; a `!reset` list item only drops itself. docker compose printed exactly this.
    let out = services(&[
        r#"
services:
  a:
    image: nginx
    environment: [A=1, B=2]
    depends_on: [b, c]
    networks: [n1, n2]
    dns: [1.1.1.1, 2.2.2.2]
    ports:
      - "80:80"
      - "90:90"
  b: {image: b}
  c: {image: c}
"#,
        r#"
services:
  a:
    environment:
      A: !reset
    depends_on:
      b: !reset {}
    networks:
      n1: !reset
    dns: [!reset 1.1.1.1, 3.3.3.3]
    ports:
      - !reset "80:80"
      - "91:91"
"#,
    ]);
    assert_eq!(
        out["a"],
        json!({
            "image": "nginx",
            "environment": ["A=1", "B=2"],
            "depends_on": {"c": {"condition": "service_started", "required": true}},
            "networks": {"n2": null},
            "dns": ["1.1.1.1", "2.2.2.2", "3.3.3.3"],
            "ports": ["80:80", "90:90", "91:91"]
        })
    );
}

#[test]
fn tags_of_a_single_file_are_consumed() {
    let out = services(&["services:\n  web:\n    image: nginx\n    ports: !reset [\"1:1\"]\n    labels: !override [a=1]\n"]);
    assert_eq!(out, json!({"web": {"image": "nginx", "labels": ["a=1"]}}));
}

#[test]
fn a_single_file_is_deduplicated_too() {
    // docker compose: environment {A: "3", B: "2"}; one port
    let out = services(&[
        "services:\n  web:\n    image: nginx\n    environment: [A=1, B=2, A=3]\n    ports: [\"80:80\", \"80:80\"]\n",
    ]);
    assert_eq!(out["web"]["environment"], json!(["A=3", "B=2"]));
    assert_eq!(out["web"]["ports"], json!(["80:80"]));
}

#[test]
fn three_files_merge_in_order() {
    let out = services(&[
        "services:\n  web:\n    image: a\n    environment: {A: \"1\"}\n",
        "services:\n  web:\n    image: b\n    environment: {A: \"2\", B: \"2\"}\n",
        "services:\n  web:\n    environment: [A=3]\n    ports: [\"80:80\"]\n",
    ]);
    assert_eq!(
        out,
        json!({"web": {"image": "b", "environment": ["A=3", "B=2"], "ports": ["80:80"]}})
    );
}

#[test]
fn incompatible_shapes_are_located_errors() {
    // docker compose: "cannot override services.a.deploy.resources" (and stops at the first)
    let (out, diagnostics) = merged(&[
        "services:\n  a:\n    image: nginx\n    deploy: {resources: {limits: {memory: 1g}}}\n    cap_add: [A]\n",
        "services:\n  a:\n    deploy: {resources: x}\n    cap_add: B\n",
    ]);
    let headlines: Vec<String> = diagnostics.iter().map(Diagnostic::headline).collect();
    assert_eq!(
        headlines,
        [
            "`services.a.deploy.resources`: cannot merge a string into a mapping",
            "`services.a.cap_add`: cannot merge a string into a sequence",
        ]
    );
    assert!(diagnostics.iter().all(|d| d.is_error() && d.help.is_some()));
    assert_eq!(diagnostics[0].span.map(|s| s.file), Some(1));
    assert_eq!(diagnostics[0].related[0].0.file, 0);
    // the earlier value stays
    assert_eq!(out["services"]["a"]["cap_add"], json!(["A"]));
    assert_eq!(
        out["services"]["a"]["deploy"]["resources"],
        json!({"limits": {"memory": "1g"}})
    );
}

#[test]
fn merged_nodes_keep_the_span_of_their_file() {
    let (node, diagnostics) = merge_all([
        yaml_in("services:\n  web:\n    image: a\n    user: root\n    ports: [\"80:80\"]\n    environment: {A: \"1\"}\n", 0),
        yaml_in("services:\n  web:\n    image: b\n    ports: [\"81:81\"]\n    environment: {B: \"2\"}\n", 1),
    ]);
    assert!(diagnostics.is_empty());
    let file = |pointer: &str| node.pointer(pointer).map(|n| n.span.file);
    assert_eq!(file("/services/web/image"), Some(1));
    assert_eq!(file("/services/web/user"), Some(0));
    assert_eq!(file("/services/web/ports/0"), Some(0));
    assert_eq!(file("/services/web/ports/1"), Some(1));
    assert_eq!(file("/services/web/environment/0"), Some(0));
    assert_eq!(file("/services/web/environment/1"), Some(1));
}

#[test]
fn an_entry_turned_into_key_value_spans_key_and_value() {
    let (node, _) = merge_all([
        yaml_in(
            "services:\n  web:\n    image: a\n    environment: {A: \"1\"}\n",
            0,
        ),
        yaml_in("services:\n  web:\n    environment:\n      B: \"2\"\n", 1),
    ]);
    let span = |pointer: &str| node.pointer(pointer).map(|n| n.span);
    let first = span("/services/web/environment/0").unwrap();
    assert_eq!((first.file, first.line, first.col), (0, 4, 19));
    let second = span("/services/web/environment/1").unwrap();
    assert_eq!((second.file, second.line, second.col), (1, 4, 7));
    // `B: "2"`
    assert_eq!(second.len, 6);
}

#[test]
fn merge_into_a_raw_first_file_consumes_its_tags() {
    let mut base = yaml("services:\n  web:\n    image: a\n    ports: !reset [\"1:1\"]\n");
    let diagnostics = merge(&mut base, yaml("services:\n  web:\n    user: root\n"));
    assert!(diagnostics.is_empty());
    assert_eq!(
        base.to_json(),
        json!({"services": {"web": {"image": "a", "user": "root"}}})
    );
}

#[test]
fn unicity_runs_again_on_canonical_syntax_without_change() {
    let mut doc = yaml(
        r#"
services:
  web:
    ports:
      - {mode: ingress, target: 80, published: "80", protocol: tcp}
      - {mode: ingress, host_ip: 0.0.0.0, target: 80, published: "80", protocol: tcp}
    volumes:
      - {type: volume, source: a, target: /data}
      - {type: bind, source: /x, target: /data}
"#,
    );
    enforce_unicity(&mut doc);
    assert_eq!(
        doc.to_json()["services"]["web"],
        json!({
            "ports": [{"mode": "ingress", "host_ip": "0.0.0.0", "target": 80, "published": "80", "protocol": "tcp"}],
            "volumes": [{"type": "bind", "source": "/x", "target": "/data"}]
        })
    );
}

#[test]
fn odd_input_never_panics() {
    let shapes = [
        "null",
        "[]",
        "42",
        "services: 3",
        "services: {web: null}",
        "services: {web: [1, 2]}",
        "services: {web: {ports: [null, [], {}, \"\", \"a:b:c:d:e\", \"1-2:3\", 70000, -1]}}",
        "services: {web: {volumes: [null, {}, \"\", \"::\", {target: null}], logging: 3, build: [1]}}",
        "services: {web: {environment: {A: [1, {b: 2}], B: {c: null}}, depends_on: [1, null, [2]]}}",
        "networks: {n: {ipam: {config: [1, null, {subnet: [1]}]}}}",
        "networks: {n: {ipam: {config: {subnet: x}}}}",
        "services: {web: {extra_hosts: 5, tmpfs: {a: 1}, ulimits: [1], healthcheck: {test: {}}}}",
        "services: {web: {secrets: [1, {}, {source: null}], configs: [[]], devices: [{}, 1], expose: [{}]}}",
    ];
    for first in shapes {
        for second in shapes {
            let _ = merge_all([yaml_in(first, 0), yaml_in(second, 1)]);
        }
    }
}

#[test]
fn build_extra_hosts_and_additional_contexts() {
    // docker compose: extra_hosts g=2.2.2.2 twice, h=1.1.1.1 once, k=3.3.3.3; additional
    // contexts y and z (a `!reset` key removes an entry of an earlier list here, because
    // compose-go has turned that list into a mapping by then)
    let out = services(&[
        r#"
services:
  a:
    build:
      context: .
      extra_hosts: ["h=1.1.1.1", "g:2.2.2.2"]
      additional_contexts: ["x=./x", "y=./y"]
"#,
        r#"
services:
  a:
    build:
      extra_hosts: {h: 1.1.1.1, g: 2.2.2.2, k: 3.3.3.3}
      additional_contexts:
        x: !reset
        z: ./z
"#,
    ]);
    assert_eq!(
        out["a"]["build"],
        json!({
            "context": ".",
            "extra_hosts": ["h=1.1.1.1", "g:2.2.2.2", "g=2.2.2.2", "k=3.3.3.3"],
            "additional_contexts": ["y=./y", "z=./z"]
        })
    );
}

#[test]
fn a_reset_in_a_third_file_sees_the_merged_shape() {
    // After two files, environment is a list (so `A: !reset` keeps A) while networks is a
    // mapping (so `n1: !reset` removes n1). docker compose: environment {A, B, C}, networks
    // {n2, n3}, no labels.
    let out = services(&[
        "services:\n  web:\n    image: nginx\n    environment: {A: \"1\", B: \"2\"}\n    networks: [n1, n2]\n    labels: {l: \"1\"}\n",
        "services:\n  web:\n    environment: {C: \"3\"}\n    networks: {n3: {}}\n",
        "services:\n  web:\n    environment:\n      A: !reset\n    networks:\n      n1: !reset\n    labels:\n      l: !reset\n",
    ]);
    assert_eq!(
        out["web"],
        json!({
            "image": "nginx",
            "environment": ["A=1", "B=2", "C=3"],
            "networks": {"n2": null, "n3": {}},
            "labels": []
        })
    );
}
