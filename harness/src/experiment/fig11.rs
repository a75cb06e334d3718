//! stub
use super::{report::Report, ExperimentError, Params};
/// stub
pub fn run(params: &Params) -> Result<Report, ExperimentError> {
    super::ton::run(params)
}
