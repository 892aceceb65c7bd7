//! `rcompose --help` lists the commands as docker compose v2 lists its own: v2 prints one
//! alphabetical `Commands:` list (after `Options:`, with a `Management Commands:` list only for
//! commands that have subcommands, of which rcompose has none) and closes with
//! `Run '... COMMAND --help' for more information on a command.` It has no topical sections,
//! so neither does rcompose. The table of groups is `src/cli/help.rs`.
//!
//! This pins the whole short help: a new command changes it (add the command to the table in
//! `src/cli/help.rs` and its line here).

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_rcompose");

fn help(flag: &str) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .arg(flag)
        .env_remove("COMPOSE_PROGRESS")
        .env_remove("COMPOSE_PARALLEL_LIMIT")
        .output()
        .expect("run rcompose");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const COMMANDS: &str = "\
Commands:
  attach      Attach local standard input, output, and error streams to a service's running container
  build       Build or rebuild services
  commit      Create a new image from a service container's changes
  config      Parse, resolve and render the compose file in canonical format
  cp          Copy files/folders between a service container and the local filesystem
  create      Creates containers for a service
  down        Stop and remove containers, networks
  events      Receive real time events from containers
  exec        Execute a command in a running container
  export      Export a service container's filesystem as a tar archive
  graph       Show the dependency graph of the services (text, Graphviz DOT or Mermaid)
  images      List images used by the created containers
  kill        Force stop service containers
  logs        View output from containers
  ls          List running compose projects
  pause       Pause services
  port        Print the public port for a port binding
  ps          List containers
  pull        Pull service images
  restart     Restart service containers
  rm          Removes stopped service containers
  run         Run a one-off command on a service
  scale       Scale services
  start       Start services
  stats       Display a live stream of container(s) resource usage statistics
  stop        Stop services
  top         Display the running processes
  unpause     Unpause services
  up          Create and start containers
  validate    Validate compose files, each as its own project, reporting every problem
  version     Show the rcompose version information
  volumes     List volumes
  wait        Block until containers of all (or specified) services stop

Run 'rcompose COMMAND --help' for more information on a command.
";

#[test]
fn short_help_lists_the_commands_alphabetically_as_docker_compose_does() {
    let (code, stdout) = help("-h");
    assert_eq!(code, Some(0));
    let expected = format!(
        "\
Usage: rcompose [OPTIONS] <COMMAND>

Define and run multi-container applications with Docker, from compose files

Options:
  -f, --file <FILE>              Compose configuration files (repeatable; `-` reads standard input)
  -p, --project-name <NAME>      Project name
      --project-directory <DIR>  Alternate working directory (default: the folder of the first compose file)
      --env-file <FILE>          Alternate environment files (repeatable; default: `.env` in the project directory)
      --profile <PROFILE>        Profiles to enable (repeatable)
      --parallel <N>             Control max parallelism of engine calls, -1 for unlimited [env: COMPOSE_PARALLEL_LIMIT=]
      --progress <MODE>          Set type of progress output: auto | tty | plain | json | quiet [env: COMPOSE_PROGRESS=] [default: auto] [possible values: auto, tty, plain, json, quiet]
      --dry-run                  Execute the command in dry run mode: print the plan, change nothing
  -h, --help                     Print help (see more with '--help')

{COMMANDS}"
    );
    assert_eq!(stdout, expected);
}

#[test]
fn long_help_ends_with_the_same_commands() {
    let (code, stdout) = help("--help");
    assert_eq!(code, Some(0));
    assert!(stdout.ends_with(&format!("\n\n{COMMANDS}")), "{stdout}");
    assert!(stdout.starts_with("Usage: rcompose [OPTIONS] <COMMAND>\n"));
}

#[test]
fn subcommand_help_is_unchanged() {
    let (code, stdout) = {
        let out = Command::new(BIN)
            .args(["graph", "-h"])
            .output()
            .expect("run rcompose");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert_eq!(code, Some(0));
    assert!(stdout.starts_with("Show the dependency graph"), "{stdout}");
    assert!(stdout.contains("--format <FORMAT>"), "{stdout}");
}
