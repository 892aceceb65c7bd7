//! `logs -f`, `run -p` and `rm -f`: docker compose's short options that are also global ones
//! (`--file`, `--project-name`), spelled long before clap reads the command line.

/// Global options that take a value, to find the subcommand word.
const GLOBAL_TAKES_VALUE: [&str; 9] = [
    "-f",
    "--file",
    "-p",
    "--project-name",
    "--project-directory",
    "--env-file",
    "--profile",
    "--parallel",
    "--progress",
];

/// `run`'s options that take a value, to find its `SERVICE` (after which all is the command).
const RUN_TAKES_VALUE: [&str; 14] = [
    "-e",
    "--env",
    "-l",
    "--label",
    "-p",
    "--publish",
    "-u",
    "--user",
    "-v",
    "--volume",
    "-w",
    "--workdir",
    "--name",
    "--entrypoint",
];

/// `logs -f` means `--follow`, `run -p` `--publish`, `rm -f` `--force` and `commit -p` `--pause`, as in docker compose, although `-f` and
/// `-p` are also the global `--file` and `--project-name` (clap cannot give a subcommand a short
/// option a global one has): after the subcommand word, the short option is spelled long. In
/// `run`, only up to `SERVICE`: what follows is the command.
pub fn rewrite_short_options(args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::with_capacity(args.len() + 1);
    let mut iter = args.into_iter();
    out.extend(iter.next());
    let mut skip_value = false;
    let mut subcommand = String::new();
    for arg in iter.by_ref() {
        let text = arg.to_string_lossy().into_owned();
        out.push(arg);
        if skip_value {
            skip_value = false;
        } else if GLOBAL_TAKES_VALUE.contains(&text.as_str()) {
            skip_value = true;
        } else if !text.starts_with('-') {
            subcommand = text;
            break;
        }
    }
    let (short, long, until_positional) = match subcommand.as_str() {
        "logs" => ('f', "--follow", false),
        "run" => ('p', "--publish", true),
        "rm" => ('f', "--force", false),
        "commit" => ('p', "--pause", false),
        _ => {
            out.extend(iter);
            return out;
        }
    };
    let mut skip_value = false;
    for arg in iter.by_ref() {
        let text = arg.to_string_lossy().into_owned();
        if skip_value {
            skip_value = false;
            out.push(arg);
            continue;
        }
        if text == "--" || (until_positional && !text.starts_with('-')) {
            out.push(arg);
            break;
        }
        if until_positional && RUN_TAKES_VALUE.contains(&text.as_str()) && text != "-p" {
            skip_value = true;
            out.push(arg);
            continue;
        }
        if text.starts_with('-') && !text.starts_with("--") && text.contains(short) {
            // A cluster: `-dp 80:80` or `-p80:80`; a value after the letter belongs to it.
            let at = text.find(short).unwrap_or(0);
            let before = &text[..at];
            let after = &text[at + 1..];
            if before != "-" {
                out.push(before.into());
            }
            if subcommand == "run" {
                if after.is_empty() {
                    out.push(long.into());
                    skip_value = true;
                } else {
                    out.push(format!("{long}={after}").into());
                }
            } else {
                out.push(long.into());
                if !after.is_empty() {
                    out.push(format!("-{after}").into());
                }
            }
        } else {
            out.push(arg);
        }
    }
    out.extend(iter);
    out
}

#[cfg(test)]
mod tests {
    use super::rewrite_short_options;

    fn rewrite(args: &[&str]) -> Vec<String> {
        rewrite_short_options(args.iter().map(Into::into).collect())
            .into_iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn rm_f_is_force_and_the_global_f_stays_a_file() {
        assert_eq!(
            rewrite(&["rcompose", "-f", "rm", "rm", "-sf", "web"]),
            ["rcompose", "-f", "rm", "rm", "-s", "--force", "web"]
        );
        assert_eq!(
            rewrite(&["rcompose", "-p", "x", "rm", "-f"]),
            ["rcompose", "-p", "x", "rm", "--force"]
        );
        assert_eq!(
            rewrite(&["rcompose", "up", "-f", "x"]),
            ["rcompose", "up", "-f", "x"]
        );
    }

    #[test]
    fn logs_f_is_follow_and_run_p_is_publish() {
        assert_eq!(
            rewrite(&["rcompose", "-f", "x.yaml", "logs", "-f", "web"]),
            ["rcompose", "-f", "x.yaml", "logs", "--follow", "web"]
        );
        assert_eq!(
            rewrite(&["rcompose", "logs", "-tf", "--tail", "3"]),
            ["rcompose", "logs", "-t", "--follow", "--tail", "3"]
        );
        assert_eq!(
            rewrite(&[
                "rcompose", "-p", "x", "run", "-p", "80:80", "-e", "A=-p", "web", "ls", "-p"
            ]),
            [
                "rcompose",
                "-p",
                "x",
                "run",
                "--publish",
                "80:80",
                "-e",
                "A=-p",
                "web",
                "ls",
                "-p"
            ]
        );
        assert_eq!(
            rewrite(&["rcompose", "run", "-dp8080:80", "web"]),
            ["rcompose", "run", "-d", "--publish=8080:80", "web"]
        );
        assert_eq!(
            rewrite(&["rcompose", "exec", "web", "ls", "-f"]),
            ["rcompose", "exec", "web", "ls", "-f"]
        );
    }
}
