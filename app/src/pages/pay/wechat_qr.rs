//! WeChat Pay Native (扫码支付): the gateway's `code_url` as a QR code, with the amount
//! and a live "waiting for payment" state. The customer scans it with the phone; the
//! order page's refresh (fast while an attempt is pending) notices the payment,
//! wherever it was made, and the panel moves on by itself.

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// Whether a pay URL is a WeChat Pay code to scan rather than a page to open.
pub fn is_wechat_code(url: &str) -> bool {
    url.starts_with("weixin://")
}

/// The QR code of `text` as an SVG document (`None` if it does not fit one).
fn qr_svg(text: &str) -> Option<String> {
    super::qr::svg(text, 200)
}

/// The code to scan (`#wechat-qr`, its `data-code-url` the code itself).
#[component]
pub fn WechatQr(code_url: String, amount: String) -> impl IntoView {
    let i18n = use_i18n();
    let svg = qr_svg(&code_url);
    let fallback = svg.is_none().then(|| {
        view! { <p class="small"><code>{code_url.clone()}</code></p> }
    });
    view! {
        <div class="notice" id="wechat-qr" data-code-url=code_url.clone()>
            <p>
                <strong>{i18n.text("pay.wechat.scan")}</strong>
            </p>
            <div
                class="qr"
                role="img"
                aria-label=i18n.text("pay.wechat.qr_label")
                inner_html=svg.unwrap_or_default()
            ></div>
            {fallback}
            <p class="amount">
                {i18n.text("pay.total")}
                <strong id="wechat-amount">{amount}</strong>
            </p>
            <p id="wechat-waiting" role="status" aria-live="polite">
                {i18n.text("pay.wechat.waiting")}
            </p>
            <p class="small">{i18n.text("pay.wechat.other_device")}</p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_url_is_a_qr_code_and_small() {
        assert!(is_wechat_code("weixin://wxpay/bizpayurl?pr=p4lpSuKzz"));
        assert!(!is_wechat_code("https://openapi.alipay.com/gateway.do?x"));
        let svg = qr_svg("weixin://wxpay/bizpayurl?pr=p4lpSuKzz").unwrap();
        assert!(svg.starts_with("<?xml") && svg.contains("<svg"), "{svg}");
        assert!(svg.len() < 20_000, "{} bytes", svg.len());
    }
}
