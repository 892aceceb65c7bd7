//! Images beyond the inspect the core seam has: pulling with progress (`pull`) and the details
//! `images` shows (size, creation time, platform). [`registry_of`] and [`split_reference`] read an
//! image reference the way the engine does, so that errors can name the registry.

use std::future::Future;

use futures_util::stream::BoxStream;

use super::{Engine, EngineError};

/// One message of a pull, as the engine streams it: a layer's step (`Downloading`, `Pull
/// complete`) or a line about the whole image (`Status: Downloaded newer image for ...`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PullProgress {
    /// The layer, when the message is about one.
    pub layer: Option<String>,
    pub status: String,
    pub current: Option<i64>,
    pub total: Option<i64>,
}

/// The messages of one pull; an error (the engine's, with its words) ends it.
pub type PullStream = BoxStream<'static, Result<PullProgress, EngineError>>;

/// An image present in the engine, with what `images` prints.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImageDetails {
    /// `sha256:...`.
    pub id: String,
    pub repo_tags: Vec<String>,
    pub size: i64,
    /// RFC 3339, when the image says.
    pub created: Option<String>,
    /// RFC 3339, when the image was last tagged (the engine's zero time when never).
    pub last_tag_time: Option<String>,
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl ImageDetails {
    /// `linux/amd64`, `linux/arm/v7`, as docker prints a platform.
    pub fn platform(&self) -> String {
        let mut text = format!("{}/{}", self.os, self.architecture);
        if let Some(variant) = self.variant.as_deref().filter(|v| !v.is_empty()) {
            text.push('/');
            text.push_str(variant);
        }
        text
    }
}

/// Pulling and describing images.
pub trait ImageEngine: Engine {
    /// Starts pulling `reference` (a tag `latest` when it names none) for `platform` (the
    /// engine's own when `None`). A failure to begin (no registry, unknown image) is the
    /// future's error; one in the middle ends the stream with it.
    fn pull_image(
        &self,
        reference: &str,
        platform: Option<&str>,
    ) -> impl Future<Output = Result<PullStream, EngineError>> + Send;

    /// An image by reference or id; a missing one is `NotFound`.
    fn image_details(
        &self,
        reference: &str,
    ) -> impl Future<Output = Result<ImageDetails, EngineError>> + Send;
}

/// The registry an image reference pulls from: its first path component when that looks like
/// a host (has a `.` or a `:`, or is `localhost`), else Docker Hub, `docker.io`.
pub fn registry_of(reference: &str) -> &str {
    match reference.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

/// `name[:tag][@digest]` → (name, tag or digest). A reference without either gets `latest`,
/// as the docker CLI asks for (the engine would otherwise pull every tag).
pub fn split_reference(reference: &str) -> (&str, &str) {
    if let Some((name, digest)) = reference.split_once('@') {
        return (name, digest);
    }
    let last_slash = reference.rfind('/').map_or(0, |i| i + 1);
    match reference[last_slash..].rfind(':') {
        Some(colon) => {
            let colon = last_slash + colon;
            (&reference[..colon], &reference[colon + 1..])
        }
        None => (reference, "latest"),
    }
}

/// `repository` and `tag` as `docker compose images` shows them: the name less Docker Hub's
/// `docker.io/` and `library/` prefixes, the tag (`latest` when none); `None` for an image id.
pub fn familiar_name(reference: &str) -> Option<(String, String)> {
    if reference.starts_with("sha256:")
        || (reference.len() == 64 && reference.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return None;
    }
    let (without_digest, has_digest) = match reference.split_once('@') {
        Some((name, _)) => (name, true),
        None => (reference, false),
    };
    let last_slash = without_digest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match without_digest[last_slash..].rfind(':') {
        Some(colon) => {
            let colon = last_slash + colon;
            (
                &without_digest[..colon],
                without_digest[colon + 1..].to_string(),
            )
        }
        None if has_digest => (without_digest, String::new()),
        None => (without_digest, "latest".to_string()),
    };
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    Some((name.to_string(), tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registries_are_named_like_the_engine_does() {
        assert_eq!(registry_of("busybox"), "docker.io");
        assert_eq!(registry_of("nosuchorg/app:1"), "docker.io");
        assert_eq!(registry_of("ghcr.io/org/app"), "ghcr.io");
        assert_eq!(registry_of("localhost:5000/app"), "localhost:5000");
        assert_eq!(registry_of("localhost/app"), "localhost");
    }

    #[test]
    fn references_split_into_name_and_tag() {
        assert_eq!(split_reference("busybox"), ("busybox", "latest"));
        assert_eq!(split_reference("a/b:1.2"), ("a/b", "1.2"));
        assert_eq!(
            split_reference("localhost:5000/app"),
            ("localhost:5000/app", "latest")
        );
        assert_eq!(split_reference("app@sha256:abc"), ("app", "sha256:abc"));
    }

    #[test]
    fn familiar_names_drop_the_hub_prefixes() {
        assert_eq!(
            familiar_name("docker.io/library/redis:7"),
            Some(("redis".into(), "7".into()))
        );
        assert_eq!(
            familiar_name("rcompose-test/busybox"),
            Some(("rcompose-test/busybox".into(), "latest".into()))
        );
        assert_eq!(familiar_name("sha256:0123"), None);
        assert_eq!(
            familiar_name("app:1@sha256:abc"),
            Some(("app".into(), "1".into()))
        );
    }
}
