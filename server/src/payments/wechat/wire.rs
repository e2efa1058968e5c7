//! The JSON of WeChat Pay API v3 that certrenew sends and reads, with the gateway's
//! own field names (Native 下单, 查询订单, 关闭订单, 申请退款, 支付通知, 退款通知:
//! <https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_1.shtml>,
//! <https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_5.shtml>,
//! <https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_9.shtml>,
//! <https://pay.weixin.qq.com/wiki/doc/apiv3/apis/chapter3_4_11.shtml>).
//! Shared by the provider and the development emulator, which must agree on them.

use serde::{Deserialize, Serialize};

/// `amount` of an order (fen, `CNY`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Amount {
    /// 总金额, fen.
    pub total: i64,
    /// 货币类型.
    #[serde(default = "cny")]
    pub currency: String,
}

fn cny() -> String {
    "CNY".to_owned()
}

/// `POST /v3/pay/transactions/native`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NativeOrder {
    /// 应用ID.
    pub appid: String,
    /// 直连商户号.
    pub mchid: String,
    /// 商品描述 (at most 127 characters).
    pub description: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 通知地址.
    pub notify_url: String,
    /// 订单金额.
    pub amount: Amount,
}

/// Its answer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NativeAnswer {
    /// 二维码链接 (`weixin://wxpay/bizpayurl?pr=…`), shown as a QR code.
    pub code_url: String,
}

/// `POST …/out-trade-no/{out_trade_no}/close`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Close {
    /// 直连商户号.
    pub mchid: String,
}

/// `amount` of a paid order.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PaidAmount {
    /// 总金额, fen.
    pub total: i64,
    /// 用户支付金额, fen.
    #[serde(default)]
    pub payer_total: Option<i64>,
    /// 货币类型.
    #[serde(default)]
    pub currency: Option<String>,
}

/// An order as the query answers it and the payment notice carries it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Transaction {
    /// 应用ID.
    pub appid: String,
    /// 直连商户号.
    pub mchid: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号 (none before payment).
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// 交易类型, `NATIVE`.
    #[serde(default)]
    pub trade_type: Option<String>,
    /// 交易状态: SUCCESS, REFUND, NOTPAY, CLOSED, REVOKED, USERPAYING, PAYERROR.
    pub trade_state: String,
    /// 交易状态描述.
    #[serde(default)]
    pub trade_state_desc: Option<String>,
    /// 支付完成时间.
    #[serde(default)]
    pub success_time: Option<String>,
    /// 订单金额 (none before payment on some answers).
    #[serde(default)]
    pub amount: Option<PaidAmount>,
}

/// `amount` of a refund request.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct RefundAmount {
    /// 退款金额, fen.
    pub refund: i64,
    /// 原订单金额, fen.
    pub total: i64,
    /// 退款币种.
    #[serde(default = "cny")]
    pub currency: String,
}

/// `POST /v3/refund/domestic/refunds`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundRequest {
    /// 商户订单号.
    pub out_trade_no: String,
    /// 商户退款单号.
    pub out_refund_no: String,
    /// 退款原因.
    #[serde(default)]
    pub reason: Option<String>,
    /// 退款结果回调url.
    #[serde(default)]
    pub notify_url: Option<String>,
    /// 金额信息.
    pub amount: RefundAmount,
}

/// Its answer (the parts read).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundAnswer {
    /// 微信支付退款单号.
    pub refund_id: String,
    /// 商户退款单号.
    pub out_refund_no: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 退款状态: SUCCESS, CLOSED, PROCESSING, ABNORMAL.
    pub status: String,
}

/// The notice envelope (通知报文).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope {
    /// 通知ID.
    pub id: String,
    /// 通知创建时间.
    pub create_time: String,
    /// 通知类型: TRANSACTION.SUCCESS, REFUND.SUCCESS, REFUND.ABNORMAL, REFUND.CLOSED.
    pub event_type: String,
    /// 通知数据类型, `encrypt-resource`.
    pub resource_type: String,
    /// 通知数据.
    pub resource: Resource,
    /// 回调摘要.
    #[serde(default)]
    pub summary: Option<String>,
}

/// The encrypted `resource`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resource {
    /// 加密算法类型, `AEAD_AES_256_GCM`.
    pub algorithm: String,
    /// 数据密文 (base64).
    pub ciphertext: String,
    /// 附加数据.
    #[serde(default)]
    pub associated_data: String,
    /// 原始类型: `transaction` or `refund`.
    #[serde(default)]
    pub original_type: Option<String>,
    /// 随机串.
    pub nonce: String,
}

/// A refund notice's decrypted resource.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundResource {
    /// 直连商户号.
    pub mchid: String,
    /// 商户订单号.
    pub out_trade_no: String,
    /// 微信支付订单号.
    pub transaction_id: String,
    /// 商户退款单号.
    pub out_refund_no: String,
    /// 微信支付退款单号.
    pub refund_id: String,
    /// 退款状态: SUCCESS, CLOSED, ABNORMAL.
    pub refund_status: String,
    /// 金额信息.
    pub amount: RefundNoticeAmount,
}

/// A refund notice's `amount`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RefundNoticeAmount {
    /// 订单金额.
    pub total: i64,
    /// 退款金额.
    pub refund: i64,
}

/// An error answer (`{"code":"…","message":"…"}`), and the notice acknowledgement of
/// a refused notice (`{"code":"FAIL","message":"失败"}`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    /// 错误码, e.g. `ORDER_NOT_EXIST`, `ORDERPAID`, `SIGN_ERROR`.
    pub code: String,
    /// 描述.
    pub message: String,
}
