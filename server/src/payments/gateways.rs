//! The payment gateway of each online method (`alipay`, `unionpay`, `wechat`), chosen
//! once at start-up (`crate::providers`). A method without one is [`Unconfigured`]:
//! paying online that way is refused with a clear message, bank transfers still work.
//! An attempt remembers its gateway's name, so notices, queries and refunds go to the
//! gateway that opened it.

use std::collections::BTreeMap;
use std::sync::Arc;

use protocol::payment::PaymentMethod;

use crate::payments::provider::{Provider, Unconfigured};

/// The gateways by method.
#[derive(Clone)]
pub struct Gateways {
    by_method: BTreeMap<&'static str, Arc<dyn Provider>>,
    none: Arc<dyn Provider>,
}

impl Default for Gateways {
    fn default() -> Self {
        Self {
            by_method: BTreeMap::new(),
            none: Arc::new(Unconfigured),
        }
    }
}

impl Gateways {
    /// No gateway for any method.
    pub fn new() -> Self {
        Self::default()
    }

    /// `gateway` behind `method`.
    #[must_use]
    pub fn with(mut self, method: PaymentMethod, gateway: Arc<dyn Provider>) -> Self {
        self.by_method.insert(method.as_str(), gateway);
        self
    }

    /// The gateway that takes `method` ([`Unconfigured`] when none does).
    pub fn for_method(&self, method: PaymentMethod) -> &Arc<dyn Provider> {
        self.by_method.get(method.as_str()).unwrap_or(&self.none)
    }

    /// The gateway called `name` (the notify URL's and a stored attempt's name);
    /// [`Unconfigured`] when no method has it (it knows no order and refuses notices).
    pub fn named(&self, name: &str) -> &Arc<dyn Provider> {
        self.by_method
            .values()
            .find(|g| g.name() == name)
            .unwrap_or(&self.none)
    }

    /// Whether some method has a gateway called `name`.
    pub fn has(&self, name: &str) -> bool {
        self.by_method.values().any(|g| g.name() == name)
    }

    /// Method and gateway name, for the start-up log.
    pub fn describe(&self) -> Vec<(String, &'static str)> {
        self.by_method
            .iter()
            .map(|(m, g)| ((*m).to_owned(), g.name()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_method_without_a_gateway_is_unconfigured() {
        let g = Gateways::new().with(PaymentMethod::Alipay, Arc::new(Unconfigured));
        assert_eq!(g.for_method(PaymentMethod::Wechat).name(), "none");
        assert!(g.has("none") && !g.has("sandbox"));
        assert_eq!(g.named("sandbox").name(), "none");
        assert_eq!(g.describe(), vec![("alipay".to_owned(), "none")]);
    }
}
