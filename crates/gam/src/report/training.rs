//! A fitted model's training rows, read again from the frame it was fitted
//! to (a model keeps no per-row vectors): the rows `na.omit` kept, their
//! response and prior weights as the fit read them, and the model's linear
//! predictor there. What residuals, plots and checks of the fit are computed from.

use crate::data::DataFrame;
use crate::design::response::response_data;
use crate::error::Result;
use crate::family::Obs;
use crate::fit::{GamSpec, prepare};
use crate::formula::Formula;
use crate::model::GamModel;
use crate::predict::PredictOptions;

/// The training rows of a model.
pub(crate) struct TrainingRows {
    /// The kept rows, with the columns the model derives (`log(x)`, ...).
    pub data: DataFrame,
    /// Response and prior weight per kept row.
    pub obs: Vec<Obs>,
    /// The linear predictor (offset included) per kept row.
    pub eta: Vec<f64>,
}

/// The rows of `data` the fit of `model` kept, as the fit read them.
pub(crate) fn training_rows(model: &GamModel, data: &DataFrame) -> Result<TrainingRows> {
    let mut spec = GamSpec::new(Formula::parse(&model.formula)?).with_family(model.family, model.link);
    spec.weights = model.weights.clone();
    let kept = prepare(&spec, data)?.data;
    let response = response_data(&spec.formula.response, &kept, model.family, spec.weights.as_deref())?;
    let eta = model.predict(&kept, &PredictOptions::default())?.fit;
    Ok(TrainingRows {
        data: model.design.derive(&kept)?.into_owned(),
        obs: response.obs,
        eta,
    })
}
