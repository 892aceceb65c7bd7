//! Real-engine scenarios of the engine-differential work: secrets and configs from
//! `environment` and `content` copied into the container as docker compose v2 copies them, a
//! declared network whose configuration changed is recreated (as docker compose v2 does), and
//! networks and volumes docker compose v2 made are kept by rcompose (same config hash labels).

mod common;
mod support;

use std::process::{Command, Output};

fn docker(args: &[&str]) -> String {
    let output = Command::new("docker").args(args).output().expect("docker");
    assert!(
        output.status.success(),
        "docker {args:?}: {}",
        common::text(&output.stderr)
    );
    common::text(&output.stdout).trim().to_string()
}

fn ok(output: Output, what: &str) -> String {
    assert!(
        output.status.success(),
        "{what}: {}{}",
        common::text(&output.stdout),
        common::text(&output.stderr)
    );
    format!(
        "{}{}",
        common::text(&output.stdout),
        common::text(&output.stderr)
    )
}

const IMAGE: &str = support::TEST_IMAGE;

#[tokio::test]
async fn secrets_and_configs_from_environment_and_content_are_copied_in() {
    let Some(engine) = support::real_engine("secrets_configs").await else {
        return;
    };
    let project = support::unique_project("secrets");
    let mut guard = support::ProjectGuard::new(&engine);
    guard.guard(&project);
    let dir = common::TempDir::new("secrets");
    dir.write("token.txt", "from a file\n");
    dir.write(
        "compose.yaml",
        &format!(
            "services:
  app:
    image: {IMAGE}
    command: sleep 100000
    secrets:
      - token
      - source: api-key
        target: key
      - source: api-key
        target: /etc/key-0440
        mode: 0440
    configs:
      - source: settings
        target: /etc/settings.conf
      - source: from-env
        target: /etc/env.conf
        mode: 0400
        uid: \"1000\"
        gid: \"1000\"
secrets:
  token:
    file: ./token.txt
  api-key:
    environment: API_KEY
configs:
  settings:
    content: |
      listen = 8080
  from-env:
    environment: API_KEY
"
        ),
    );
    let args = ["-p", &project, "up", "-d"];
    ok(
        common::run_rcompose(dir.path(), &args, &[("API_KEY", "k3y")]),
        "up",
    );
    let container = format!("{project}-app-1");
    let listing = docker(&[
        "exec",
        &container,
        "sh",
        "-c",
        "for f in /run/secrets/token /run/secrets/key /etc/key-0440 /etc/settings.conf /etc/env.conf; do stat -c '%n %a %u:%g %s' $f; done; cat /run/secrets/key /etc/settings.conf",
    ]);
    assert_eq!(
        listing,
        "/run/secrets/token 644 0:0 12
/run/secrets/key 444 0:0 3
/etc/key-0440 440 0:0 3
/etc/settings.conf 444 0:0 14
/etc/env.conf 400 1000:1000 3
k3ylisten = 8080"
    );
    // The file secret is a read-only bind mount; the others are files in the container.
    let mounts = docker(&[
        "inspect",
        &container,
        "-f",
        "{{range .Mounts}}{{.Destination}} {{.RW}};{{end}}",
    ]);
    assert_eq!(mounts, "/run/secrets/token false;");

    // A second `up` changes nothing.
    let id = docker(&["inspect", &container, "-f", "{{.Id}}"]);
    ok(
        common::run_rcompose(dir.path(), &args, &[("API_KEY", "k3y")]),
        "second up",
    );
    assert_eq!(docker(&["inspect", &container, "-f", "{{.Id}}"]), id);

    // A missing variable is a clear error, before anything changes.
    let output = common::run_rcompose(dir.path(), &args, &[]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = common::text(&output.stderr);
    assert!(
        stderr.contains("environment variable `API_KEY` required by secret `api-key` is not set"),
        "{stderr}"
    );
}

fn network_project(label: &str) -> String {
    format!(
        "services:
  app:
    image: {IMAGE}
    command: sleep 100000
    networks: [back]
    volumes:
      - data:/data
networks:
  back:
    labels:
      tier: {label}
volumes:
  data:
    labels:
      kind: {label}
"
    )
}

#[tokio::test]
async fn a_changed_network_is_recreated_and_a_changed_volume_kept() {
    let Some(engine) = support::real_engine("network_change").await else {
        return;
    };
    let project = support::unique_project("netchange");
    let mut guard = support::ProjectGuard::new(&engine);
    guard.guard(&project);
    let dir = common::TempDir::new("netchange");
    dir.write("compose.yaml", &network_project("a"));
    let args = ["-p", &project, "up", "-d"];
    ok(common::run_rcompose(dir.path(), &args, &[]), "up");
    let network = format!("{project}_back");
    let volume = format!("{project}_data");
    let container = format!("{project}-app-1");
    let network_id = docker(&["network", "inspect", &network, "-f", "{{.Id}}"]);
    let volume_created = docker(&["volume", "inspect", &volume, "-f", "{{.CreatedAt}}"]);
    let container_id = docker(&["inspect", &container, "-f", "{{.Id}}"]);

    dir.write("compose.yaml", &network_project("b"));
    let output = ok(
        common::run_rcompose(dir.path(), &args, &[]),
        "up after the change",
    );
    assert!(
        output.contains(&format!(
            "volume `{volume}` exists but doesn't match the configuration"
        )),
        "{output}"
    );
    let new_network_id = docker(&["network", "inspect", &network, "-f", "{{.Id}}"]);
    assert_ne!(new_network_id, network_id, "the network is recreated");
    assert_eq!(
        docker(&["network", "inspect", &network, "-f", "{{.Labels.tier}}"]),
        "b"
    );
    assert_eq!(
        docker(&[
            "volume",
            "inspect",
            &volume,
            "-f",
            "{{.CreatedAt}} {{.Labels.kind}}"
        ]),
        format!("{volume_created} a"),
        "the volume is kept"
    );
    assert_ne!(
        docker(&["inspect", &container, "-f", "{{.Id}}"]),
        container_id
    );
    assert_eq!(
        docker(&[
            "inspect",
            &container,
            "-f",
            &format!("{{{{.State.Status}}}} {{{{(index .NetworkSettings.Networks \"{network}\").NetworkID}}}}"),
        ]),
        format!("running {new_network_id}")
    );
    // And it converges.
    let ids = docker(&["inspect", &container, "-f", "{{.Id}}"]);
    ok(common::run_rcompose(dir.path(), &args, &[]), "third up");
    assert_eq!(docker(&["inspect", &container, "-f", "{{.Id}}"]), ids);
    assert_eq!(
        docker(&["network", "inspect", &network, "-f", "{{.Id}}"]),
        new_network_id
    );
}

#[tokio::test]
async fn networks_and_volumes_docker_compose_made_are_kept() {
    let Some(v2) = common::compose_v2() else {
        assert!(!common::required(), "docker compose v2 is required in CI");
        eprintln!("skipped: docker compose v2 not found (set RCOMPOSE_COMPOSE_V2)");
        return;
    };
    let Some(engine) = support::real_engine("v2_networks").await else {
        return;
    };
    let project = support::unique_project("v2nets");
    let mut guard = support::ProjectGuard::new(&engine);
    guard.guard(&project);
    let dir = common::TempDir::new("v2nets");
    dir.write("compose.yaml", &network_project("a"));
    let args = ["-p", &project, "up", "-d"];
    ok(
        common::run_v2(&v2, dir.path(), &args, &[]),
        "docker compose up",
    );
    let network = format!("{project}_back");
    let volume = format!("{project}_data");
    let network_id = docker(&["network", "inspect", &network, "-f", "{{.Id}}"]);
    let volume_created = docker(&["volume", "inspect", &volume, "-f", "{{.CreatedAt}}"]);
    let output = ok(common::run_rcompose(dir.path(), &args, &[]), "rcompose up");
    assert!(!output.contains("doesn't match"), "{output}");
    assert_eq!(
        docker(&["network", "inspect", &network, "-f", "{{.Id}}"]),
        network_id
    );
    assert_eq!(
        docker(&["volume", "inspect", &volume, "-f", "{{.CreatedAt}}"]),
        volume_created
    );
    // And the other way round: docker compose keeps what rcompose made.
    let other = support::unique_project("rcnets");
    guard.guard(&other);
    let args = ["-p", &other, "up", "-d"];
    ok(common::run_rcompose(dir.path(), &args, &[]), "rcompose up");
    let network = format!("{other}_back");
    let network_id = docker(&["network", "inspect", &network, "-f", "{{.Id}}"]);
    let output = ok(
        common::run_v2(&v2, dir.path(), &args, &[]),
        "docker compose up",
    );
    assert!(!output.contains("doesn't match"), "{output}");
    assert_eq!(
        docker(&["network", "inspect", &network, "-f", "{{.Id}}"]),
        network_id
    );
}
