//! Fitted values and residuals of a fitted model on its training data, as
//! mgcv's `fitted()` and `residuals.gam()` give them.
//!
//! A model keeps no per-row vectors (an exact cache hit never reads the data
//! at all), so both are computed from the training frame again: the rows
//! kept by `na.omit`, the response and prior weights as the fit read them
//! (`cbind(s, f)` as a proportion with its trials, `log(y)` evaluated), and
//! the model's linear predictor at those rows.

use super::fitted::FittedGam;
use super::frame::Frame;
use crate::error::Result;

/// mgcv's residual types (`residuals.gam(type =)`); deviance residuals by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ResidualType {
    /// `sign(y − μ) √(w d(y, μ))`, whose squares sum to the deviance.
    #[default]
    Deviance,
    /// `(y − μ) √w / √V(μ)`.
    Pearson,
    /// Pearson residuals divided by the square root of the scale.
    ScaledPearson,
    /// The IRLS working residuals `(y − μ) / (dμ/dη)`.
    Working,
    /// `y − μ`.
    Response,
}

impl ResidualType {
    /// The type mgcv spells `name` (`"deviance"`, `"pearson"`,
    /// `"scaled.pearson"`, `"working"`, `"response"`); an option error
    /// listing them otherwise.
    pub fn parse(name: &str) -> Result<ResidualType> {
        Ok(match name {
            "deviance" => ResidualType::Deviance,
            "pearson" => ResidualType::Pearson,
            "scaled.pearson" => ResidualType::ScaledPearson,
            "working" => ResidualType::Working,
            "response" => ResidualType::Response,
            other => {
                return Err(crate::error::GamError::BadOption {
                    option: "type".into(),
                    message: format!(
                        "unknown residual type '{other}' (choose one of deviance, pearson, scaled.pearson, working, \
                         response)"
                    ),
                });
            }
        })
    }
}

/// The fitted mean and linear predictor of each training row kept by the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct FittedValues {
    /// The fitted mean μ (mgcv's `fitted.values`).
    pub mu: Vec<f64>,
    /// The linear predictor η, offset included (mgcv's `linear.predictors`).
    pub eta: Vec<f64>,
    /// The 0-based row of the training frame of each value (rows with a
    /// missing value in a column the model reads are left out, as `na.omit`).
    pub rows: Vec<usize>,
}

/// Residuals of each training row kept by the fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Residuals {
    /// One residual per kept row.
    pub values: Vec<f64>,
    /// The 0-based row of the training frame of each value.
    pub rows: Vec<usize>,
}

/// What the residuals of one row need.
struct Row {
    y: f64,
    w: f64,
    /// The censored response's second column (y for an uncensored row).
    censor: f64,
    mu: f64,
    eta: f64,
}

impl FittedGam {
    /// The fitted values of the rows of `training` (the frame the model was
    /// fitted to) that the fit kept: mgcv's `fitted()` and
    /// `linear.predictors`, with each value's row.
    ///
    /// ```
    /// let x: Vec<f64> = (0..60).map(|i| i as f64 / 60.0).collect();
    /// let mut y: Vec<f64> = x.iter().map(|&x| (6.0 * x).sin() + ((x * 977.0) % 1.0) / 5.0).collect();
    /// y[3] = f64::NAN;
    /// let frame = gam::Frame::builder().numeric("x", x).numeric("y", y).build()?;
    /// let fitted = gam::Gam::new("y ~ s(x, k = 8)")?.fit(&frame)?;
    /// let values = fitted.fitted_values(&frame)?;
    /// assert_eq!(values.rows.len(), 59);
    /// assert_eq!(values.rows[3], 4);
    /// let residuals = fitted.residuals(&frame, gam::ResidualType::Deviance)?;
    /// let deviance: f64 = residuals.values.iter().map(|r| r * r).sum();
    /// assert!((deviance - fitted.deviance()).abs() < 1e-9 * fitted.deviance());
    /// # Ok::<(), gam::GamError>(())
    /// ```
    pub fn fitted_values(&self, training: &Frame) -> Result<FittedValues> {
        let (rows, kept) = self.training_rows(training)?;
        Ok(FittedValues {
            mu: rows.iter().map(|r| r.mu).collect(),
            eta: rows.iter().map(|r| r.eta).collect(),
            rows: kept,
        })
    }

    /// The residuals of the rows of `training` (the frame the model was
    /// fitted to) that the fit kept, of mgcv's type `kind`
    /// (`residuals.gam`), with each value's row.
    pub fn residuals(&self, training: &Frame, kind: ResidualType) -> Result<Residuals> {
        let (rows, kept) = self.training_rows(training)?;
        let model = self.model();
        let family = model.family;
        let theta = &model.theta;
        let link = model.link;
        let pearson = |r: &Row| (r.y - r.mu) * r.w.sqrt() / family.variance(r.mu, theta)[0].sqrt();
        if family.classes().is_some() {
            return ocat_residuals(&rows, kept, model, kind);
        }
        // mgcv's cnorm has no variance function: residuals.gam returns the deviance residuals
        // for the Pearson types (with a warning).
        let kind = match kind {
            ResidualType::Pearson | ResidualType::ScaledPearson if family == crate::family::Family::Cnorm => {
                ResidualType::Deviance
            }
            k => k,
        };
        let values = rows
            .iter()
            .map(|r| match kind {
                ResidualType::Deviance => {
                    let d = family
                        .reported_deviance(
                            crate::family::Obs {
                                y: r.y,
                                w: r.w,
                                censor: r.censor,
                            },
                            r.mu,
                            theta,
                        )
                        .max(0.0);
                    d.sqrt() * sign(r.y - r.mu)
                }
                ResidualType::Pearson => pearson(r),
                ResidualType::ScaledPearson => pearson(r) / model.scale.sqrt(),
                ResidualType::Working => (r.y - r.mu) / link.mu_eta(r.eta),
                ResidualType::Response => r.y - r.mu,
            })
            .collect();
        Ok(Residuals { values, rows: kept })
    }

    /// The kept training rows' response, prior weight, mean and linear
    /// predictor, and their 0-based rows in `training`.
    fn training_rows(&self, training: &Frame) -> Result<(Vec<Row>, Vec<usize>)> {
        let model = self.model();
        let kept = crate::report::training::training_rows(model, &training.inner)?;
        let rows = kept
            .obs
            .iter()
            .zip(&kept.eta)
            .map(|(o, &eta)| Row {
                y: o.y,
                w: o.w,
                censor: o.censor,
                mu: model.link.inverse(eta),
                eta,
            })
            .collect();
        Ok((rows, kept.data.original_rows().to_vec()))
    }
}

/// R's `sign`: −1, 0 or 1.
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// mgcv's `ocat()$residuals`: deviance residuals signed by the class interval's midpoint minus η,
/// response residuals y minus the class η falls in, working residuals `z − η` of the Newton
/// iteration; mgcv has no Pearson residuals for this family.
fn ocat_residuals(
    rows: &[Row],
    kept: Vec<usize>,
    model: &crate::model::GamModel,
    kind: ResidualType,
) -> Result<Residuals> {
    use crate::family::{Obs, ocat};
    let theta = &model.theta;
    let cuts = ocat::cut_points(theta);
    let family = model.family;
    let mut values = Vec::with_capacity(rows.len());
    for r in rows {
        let o = Obs::new(r.y, r.w);
        values.push(match kind {
            ResidualType::Deviance => {
                family.reported_deviance(o, r.mu, theta).max(0.0).sqrt() * ocat::residual_sign(r.y, r.mu, theta)
            }
            ResidualType::Response => r.y - ocat::class_of(r.eta, &cuts),
            ResidualType::Working => {
                let d = family.dev_derivatives(o, r.mu, theta).unwrap_or_default();
                let w = d.eta_weights(model.link.derivatives(r.mu));
                w[4] / w[0]
            }
            ResidualType::Pearson | ResidualType::ScaledPearson => {
                return Err(crate::error::GamError::Control {
                    option: "residual type".into(),
                    message: "an ordered categorical (ocat) model has no Pearson residuals (as in mgcv): ask for \
                              deviance, working or response residuals"
                        .into(),
                });
            }
        });
    }
    Ok(Residuals { values, rows: kept })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn residual_types_are_spelled_as_mgcv_spells_them() {
        assert_eq!(
            ResidualType::parse("scaled.pearson").unwrap(),
            ResidualType::ScaledPearson
        );
        assert_eq!(ResidualType::default(), ResidualType::Deviance);
        let e = ResidualType::parse("Pearson").unwrap_err();
        assert_eq!(e.kind(), crate::error::ErrorKind::Option);
        assert_eq!((sign(-2.0), sign(0.0), sign(3.0)), (-1.0, 0.0, 1.0));
    }
}
