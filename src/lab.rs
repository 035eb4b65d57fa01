//! placeholder
use crate::config::LabConfig;
use crate::error::Error;
pub fn run(_cfg: &LabConfig) -> Result<(), Error> {
    Err(Error::Usage("lab: not yet".into()))
}
