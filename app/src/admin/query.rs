//! The console's lists as the server is asked for them: the filters as the user set
//! them and the query paths under `/api/v1` (values percent-encoded by
//! [`crate::api::segment`], RFC 3986 unreserved characters kept).

use protocol::renewal::RenewalStatus;

/// Percent-encodes a path segment or query value (RFC 3986 unreserved characters kept).
pub fn encode(value: &str) -> String {
    crate::api::segment(value)
}

/// Rows asked for per queue load (the server's maximum).
pub const QUEUE_LIMIT: usize = 200;

/// Expired-path applications asked for per load (the server's maximum).
pub const EXPIRED_LIMIT: usize = 200;

/// Audit rows per page.
pub const AUDIT_PAGE: usize = 50;

/// The queue's filters as the user set them.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Filters {
    /// A state's wire name, or empty for all.
    pub status: String,
    /// A project id, or empty for all.
    pub project: String,
    /// Part of a business number or subject.
    pub q: String,
}

impl Filters {
    /// What reviewers see first: applications in review, every project.
    pub fn initial() -> Self {
        Filters {
            status: RenewalStatus::InReview.as_str().to_owned(),
            ..Filters::default()
        }
    }
}

/// The expired-path list's filters as the user set them (empty: all).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct ExpiredFilters {
    /// An application status's wire name, or empty for all.
    pub status: String,
    /// Part of a business number, mobile or subject.
    pub q: String,
}

/// `{base}?limit={limit}&…`: the filters that are set, trimmed and encoded (the
/// console's lists all ask this way).
fn list_path(base: &str, limit: usize, filters: &[(&str, &str)]) -> String {
    let mut path = format!("{base}?limit={limit}");
    for (name, value) in filters {
        let value = value.trim();
        if !value.is_empty() {
            path.push_str(&format!("&{name}={}", encode(value)));
        }
    }
    path
}

/// `/admin/renewals?…` for the filters; empty filters are left out, `q` is trimmed.
pub fn queue_path(f: &Filters) -> String {
    list_path(
        "/admin/renewals",
        QUEUE_LIMIT,
        &[("status", &f.status), ("project", &f.project), ("q", &f.q)],
    )
}

/// `/admin/expired?…` for the filters.
pub fn expired_path(f: &ExpiredFilters) -> String {
    list_path(
        "/admin/expired",
        EXPIRED_LIMIT,
        &[("status", &f.status), ("q", &f.q)],
    )
}

/// `/admin/expired/{no}`: the application behind a renewal.
pub fn expired_detail_path(no: &str) -> String {
    format!("/admin/expired/{}", encode(no))
}

/// `/admin/audit?…`: a page of rows older than `before` (the newest when `None`).
pub fn audit_path(before: Option<i64>) -> String {
    match before {
        Some(id) => format!("/admin/audit?limit={AUDIT_PAGE}&before={id}"),
        None => format!("/admin/audit?limit={AUDIT_PAGE}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_path_leaves_out_empty_filters_and_encodes_the_search() {
        assert_eq!(queue_path(&Filters::default()), "/admin/renewals?limit=200");
        assert_eq!(
            queue_path(&Filters::initial()),
            "/admin/renewals?limit=200&status=in_review"
        );
        let f = Filters {
            status: String::new(),
            project: "gdyx".into(),
            q: " CN=测试 & co ".into(),
        };
        assert_eq!(
            queue_path(&f),
            "/admin/renewals?limit=200&project=gdyx&q=CN%3D%E6%B5%8B%E8%AF%95%20%26%20co"
        );
    }

    #[test]
    fn expired_list_and_detail_paths() {
        assert_eq!(
            expired_path(&ExpiredFilters::default()),
            "/admin/expired?limit=200"
        );
        let f = ExpiredFilters {
            status: "transfer_sent".into(),
            q: " 138 0013 ".into(),
        };
        assert_eq!(
            expired_path(&f),
            "/admin/expired?limit=200&status=transfer_sent&q=138%200013"
        );
        assert_eq!(
            expired_detail_path("0120260301/0001"),
            "/admin/expired/0120260301%2F0001"
        );
    }

    #[test]
    fn audit_pages_go_back_by_id() {
        assert_eq!(audit_path(None), "/admin/audit?limit=50");
        assert_eq!(audit_path(Some(120)), "/admin/audit?limit=50&before=120");
    }

    #[test]
    fn unreserved_characters_are_kept() {
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
        assert_eq!(encode("Az09-_.~"), "Az09-_.~");
    }
}
