//! The tar archive of secrets and configs that `up` copies into a container after creating it
//! (`PUT /containers/{id}/archive` at `/`), as docker compose v2 copies those from
//! `environment` or `content`: regular files with their mode, owner and a modification time.

use super::ContainerFile;

/// The tar archive of `files`, with modification time `mtime` (seconds since the epoch). Paths
/// are written relative to `/` (tar names are relative; the archive is extracted at `/`).
pub fn tar(files: &[ContainerFile], mtime: u64) -> Result<Vec<u8>, String> {
    let mut builder = tar::Builder::new(Vec::new());
    for file in files {
        let mut header = tar::Header::new_ustar();
        header.set_mode(file.mode & 0o7777);
        header.set_uid(u64::from(file.uid.unwrap_or(0)));
        header.set_gid(u64::from(file.gid.unwrap_or(0)));
        header.set_size(file.content.len() as u64);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        let path = file.path.trim_start_matches('/');
        builder
            .append_data(&mut header, path, file.content.as_slice())
            .map_err(|error| format!("cannot archive `{}`: {error}", file.path))?;
    }
    builder
        .into_inner()
        .map_err(|error| format!("cannot finish the archive: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_keep_their_path_mode_owner_and_content() {
        let files = [
            ContainerFile {
                path: "/run/secrets/token".into(),
                content: b"s3cr3t".to_vec(),
                mode: 0o440,
                uid: Some(1000),
                gid: None,
            },
            ContainerFile {
                path: format!("/{}/{}", "d".repeat(120), "f".repeat(50)),
                content: Vec::new(),
                mode: 0o444,
                uid: None,
                gid: Some(7),
            },
        ];
        let archive = tar(&files, 1_700_000_000).unwrap();
        let mut reader = tar::Archive::new(archive.as_slice());
        let mut seen = Vec::new();
        for entry in reader.entries().unwrap() {
            let mut entry = entry.unwrap();
            let header = entry.header().clone();
            let mut content = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut content).unwrap();
            seen.push((
                entry.path().unwrap().to_string_lossy().into_owned(),
                header.mode().unwrap(),
                header.uid().unwrap(),
                header.gid().unwrap(),
                header.mtime().unwrap(),
                content,
            ));
        }
        assert_eq!(
            seen,
            vec![
                (
                    "run/secrets/token".to_string(),
                    0o440,
                    1000,
                    0,
                    1_700_000_000,
                    b"s3cr3t".to_vec()
                ),
                (
                    format!("{}/{}", "d".repeat(120), "f".repeat(50)),
                    0o444,
                    0,
                    7,
                    1_700_000_000,
                    Vec::new()
                ),
            ]
        );
    }
}
