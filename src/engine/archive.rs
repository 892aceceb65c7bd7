//! A minimal tar writer for the archive API (`PUT /containers/{id}/archive`): regular files only,
//! ustar headers, which is all docker compose v2 sends when it copies secrets and configs from
//! `environment` or `content` into a container.

use super::ContainerFile;

const BLOCK: usize = 512;

/// The tar archive of `files`, with modification time `mtime` (seconds since the epoch).
pub fn tar(files: &[ContainerFile], mtime: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for file in files {
        let mut header = [0u8; BLOCK];
        let (prefix, name) = split_name(&file.path)?;
        header[..name.len()].copy_from_slice(name.as_bytes());
        octal(&mut header[100..108], u64::from(file.mode & 0o7777));
        octal(&mut header[108..116], u64::from(file.uid.unwrap_or(0)));
        octal(&mut header[116..124], u64::from(file.gid.unwrap_or(0)));
        octal(&mut header[124..136], file.content.len() as u64);
        octal(&mut header[136..148], mtime);
        header[156] = b'0';
        header[257..263].copy_from_slice(b"ustar\0");
        header[263..265].copy_from_slice(b"00");
        header[345..345 + prefix.len()].copy_from_slice(prefix.as_bytes());
        // The checksum is computed with its own field as spaces.
        header[148..156].copy_from_slice(b"        ");
        let sum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        let text = format!("{sum:06o}\0 ");
        header[148..156].copy_from_slice(text.as_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&file.content);
        let padding = (BLOCK - file.content.len() % BLOCK) % BLOCK;
        out.extend(std::iter::repeat_n(0u8, padding));
    }
    out.extend(std::iter::repeat_n(0u8, 2 * BLOCK));
    Ok(out)
}

/// `(prefix, name)` of ustar: a name up to 100 bytes, a longer path split at a `/`.
fn split_name(path: &str) -> Result<(&str, &str), String> {
    if path.len() <= 100 {
        return Ok(("", path));
    }
    path.char_indices()
        .filter(|(_, c)| *c == '/')
        .map(|(i, _)| (&path[..i], &path[i + 1..]))
        .find(|(prefix, name)| prefix.len() <= 155 && name.len() <= 100 && !name.is_empty())
        .ok_or_else(|| format!("path `{path}` is too long for a tar archive"))
}

/// Octal digits, zero-padded, NUL-terminated, filling `field`.
fn octal(field: &mut [u8], value: u64) {
    let width = field.len() - 1;
    let text = format!("{value:0width$o}");
    let text = &text.as_bytes()[text.len().saturating_sub(width)..];
    field[..width].copy_from_slice(text);
    field[width] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_file_is_a_header_a_padded_body_and_two_empty_blocks() {
        let file = ContainerFile {
            path: "/run/secrets/token".into(),
            content: b"s3cr3t".to_vec(),
            mode: 0o440,
            uid: Some(1000),
            gid: None,
        };
        let archive = tar(&[file], 0).unwrap();
        assert_eq!(archive.len(), 4 * BLOCK);
        assert_eq!(&archive[..18], b"/run/secrets/token");
        assert_eq!(&archive[100..108], b"0000440\0");
        assert_eq!(&archive[108..116], b"0001750\0");
        assert_eq!(&archive[124..136], b"00000000006\0");
        assert_eq!(&archive[257..263], b"ustar\0");
        assert_eq!(&archive[BLOCK..BLOCK + 6], b"s3cr3t");
        let sum: u32 = archive[..BLOCK]
            .iter()
            .enumerate()
            .map(|(i, b)| {
                if (148..156).contains(&i) {
                    32
                } else {
                    u32::from(*b)
                }
            })
            .sum();
        assert_eq!(&archive[148..155], format!("{sum:06o}\0").as_bytes());
    }

    #[test]
    fn long_paths_use_the_prefix_field() {
        let path = format!("/{}/{}", "d".repeat(120), "f".repeat(50));
        let file = ContainerFile {
            path: path.clone(),
            ..ContainerFile::default()
        };
        let archive = tar(&[file], 0).unwrap();
        assert_eq!(&archive[..50], "f".repeat(50).as_bytes());
        assert_eq!(&archive[345..345 + 121], &path.as_bytes()[..121]);
        assert!(tar(
            &[ContainerFile {
                path: "x".repeat(300),
                ..ContainerFile::default()
            }],
            0
        )
        .is_err());
    }
}
