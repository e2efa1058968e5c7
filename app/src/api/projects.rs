//! The projects (relying platforms) and a certificate's standing (docs/api.md §3, §5).

use protocol::host::Base64Bytes;
use serde_json::json;

use super::{get, post, segment};
use crate::error::AppError;
use crate::models::{Eligibility, Project, ProjectKind};

/// `GET /projects`: every project.
pub async fn list() -> Result<Vec<Project>, AppError> {
    get("/projects").await
}

/// `GET /projects/{id}`: one project.
pub async fn one(id: &str) -> Result<Project, AppError> {
    get(&format!("/projects/{}", segment(id))).await
}

/// `GET /projects/{id}`, read for its `kind` only: whether it renews signing and
/// encryption certificates as a pair.
pub async fn kind(id: &str) -> Result<ProjectKind, AppError> {
    get(&format!("/projects/{}", segment(id))).await
}

/// `POST /eligibility`: where a certificate (base64 DER) stands for `project`.
pub async fn eligibility(
    project: &str,
    certificate_der: &Base64Bytes,
) -> Result<Eligibility, AppError> {
    post(
        "/eligibility",
        &json!({"project": project, "certificate": certificate_der}),
    )
    .await
}
