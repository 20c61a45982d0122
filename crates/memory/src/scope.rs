//! Scope paths: segment-wise prefix matching and immediate children.

/// A scope prefix in canonical form: `None` means "everything" (None, "" or "/"); otherwise
/// a path starting with "/" and without a trailing "/".
pub fn normalise_prefix(prefix: Option<&str>) -> Option<String> {
    let trimmed = prefix?.trim_end_matches('/');
    if trimmed.is_empty() {
        None
    } else if trimmed.starts_with('/') {
        Some(trimmed.to_owned())
    } else {
        Some(format!("/{trimmed}"))
    }
}

/// Segment match: "/a" holds "/a" and "/a/x", never "/ab".
pub fn in_scope(scope: &str, prefix: Option<&str>) -> bool {
    match prefix {
        None => true,
        Some(p) => {
            scope.len() >= p.len()
                && scope.starts_with(p)
                && (scope.len() == p.len() || scope.as_bytes()[p.len()] == b'/')
        }
    }
}

/// The immediate child of `parent` (canonical, `None` = root) on the way to `scope`, if
/// `scope` lies strictly below it.
pub fn child_of(scope: &str, parent: Option<&str>) -> Option<String> {
    let rest = match parent {
        None => scope.strip_prefix('/')?,
        Some(p) => {
            if !in_scope(scope, Some(p)) || scope.len() == p.len() {
                return None;
            }
            &scope[p.len() + 1..]
        }
    };
    let segment = rest.split('/').next().filter(|s| !s.is_empty())?;
    Some(match parent {
        None => format!("/{segment}"),
        Some(p) => format!("{p}/{segment}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_matching() {
        assert!(in_scope("/a", Some("/a")));
        assert!(in_scope("/a/x", Some("/a")));
        assert!(!in_scope("/ab", Some("/a")));
        assert!(!in_scope("/", Some("/a")));
        assert!(in_scope("/anything", None));
    }

    #[test]
    fn prefixes_normalise() {
        assert_eq!(normalise_prefix(None), None);
        assert_eq!(normalise_prefix(Some("/")), None);
        assert_eq!(normalise_prefix(Some("")), None);
        assert_eq!(normalise_prefix(Some("/a/b/")).as_deref(), Some("/a/b"));
        assert_eq!(normalise_prefix(Some("a")).as_deref(), Some("/a"));
    }

    #[test]
    fn children() {
        assert_eq!(child_of("/a/b/c", Some("/a")).as_deref(), Some("/a/b"));
        assert_eq!(child_of("/a/b", None).as_deref(), Some("/a"));
        assert_eq!(child_of("/a", Some("/a")), None);
        assert_eq!(child_of("/ab/c", Some("/a")), None);
        assert_eq!(child_of("/", None), None);
    }
}
