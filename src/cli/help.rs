//! `rcompose --help`: the commands listed as docker compose v2 lists its own.
//!
//! docker compose v2 (`docker compose --help`) prints `Usage`, the description, `Options`, then
//! `Management Commands` (commands that have subcommands of their own, e.g. `bridge`) and one
//! `Commands:` list in alphabetical order, then `Run 'docker compose COMMAND --help' for more
//! information on a command.` It has no topical sections ("lifecycle", "inspect"...), so
//! rcompose follows that layout rather than inventing sections.
//!
//! [`GROUPS`] is the one place that says which group a command is listed in; it names commands
//! other branches add too (a name with no command yet is skipped), and a unit test checks that
//! every subcommand clap knows is in exactly one group. The text is rendered from the clap
//! subcommands present, with their `about`.

use clap::Command;

/// (group heading, commands), in the order the groups print. Within a group, commands print
/// alphabetically.
pub const GROUPS: &[(&str, &[&str])] = &[
    // Commands with subcommands of their own (docker compose: `bridge`); none yet.
    ("Management Commands", &[]),
    (
        "Commands",
        &[
            "attach", "build", "commit", "config", "cp", "create", "down", "events", "exec",
            "export", "graph", "images", "kill", "logs", "ls", "pause", "port", "ps", "pull",
            "push", "restart", "rm", "run", "scale", "start", "stats", "stop", "top", "unpause",
            "up", "validate", "version", "volumes", "wait", "watch",
        ],
    ),
];

/// The group a command name is listed in; `None` when the table does not name it.
pub fn group_of(name: &str) -> Option<&'static str> {
    GROUPS
        .iter()
        .find(|(_, commands)| commands.contains(&name))
        .map(|(group, _)| *group)
}

/// The visible subcommands (clap's own `help` excluded).
fn listed(command: &Command) -> Vec<&Command> {
    command
        .get_subcommands()
        .filter(|sub| !sub.is_hide_set() && sub.get_name() != "help")
        .collect()
}

/// The command sections and the closing line, as docker compose prints them: two spaces, the
/// name padded to at least 12 columns, the description.
pub fn commands_text(command: &Command) -> String {
    let subcommands = listed(command);
    let width = subcommands
        .iter()
        .map(|sub| sub.get_name().len() + 2)
        .max()
        .unwrap_or(0)
        .max(12);
    let mut out = String::new();
    for (group, _) in GROUPS {
        let mut members: Vec<&&Command> = subcommands
            .iter()
            // A command the table forgot is listed under `Commands` rather than lost (the
            // unit test below keeps the table complete).
            .filter(|sub| group_of(sub.get_name()).unwrap_or("Commands") == *group)
            .collect();
        if members.is_empty() {
            continue;
        }
        members.sort_by_key(|sub| sub.get_name());
        out.push_str(&format!("{group}:\n"));
        for sub in members {
            let about = sub.get_about().map(|a| a.to_string()).unwrap_or_default();
            out.push_str(&format!("  {:<width$}{about}\n", sub.get_name()));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "Run '{} COMMAND --help' for more information on a command.",
        command.get_name()
    ));
    out
}

/// The top-level command with docker compose's help layout.
pub fn with_grouped_help(command: Command) -> Command {
    let text = commands_text(&command);
    command
        .help_template(
            "{usage-heading} {usage}\n\n{about-with-newline}\nOptions:\n{options}{after-help}",
        )
        .after_help(text.clone())
        .after_long_help(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn every_subcommand_is_in_exactly_one_group() {
        let command = crate::cli::Cli::command();
        for sub in listed(&command) {
            let name = sub.get_name();
            let groups: Vec<&str> = GROUPS
                .iter()
                .filter(|(_, commands)| commands.contains(&name))
                .map(|(group, _)| *group)
                .collect();
            assert_eq!(groups.len(), 1, "`{name}` is in groups {groups:?}");
        }
    }

    #[test]
    fn the_table_names_each_command_once() {
        let mut names: Vec<&str> = GROUPS.iter().flat_map(|(_, c)| c.iter().copied()).collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
