//! Helpers on the generated catalog's types, written by hand beside them: the generated modules
//! (`v3::…`) declare the calls, this module adds what a merchant does with their answers.

#[cfg(feature = "bill")]
impl crate::download::BillLink for crate::v3::bill::BillDownloadUrl {
    fn download_url(&self) -> Option<&str> {
        self.download_url.as_deref()
    }

    fn hash_type(&self) -> Option<&str> {
        self.hash_type.as_ref().map(|hash_type| hash_type.as_str())
    }

    fn hash_value(&self) -> Option<&str> {
        self.hash_value.as_deref()
    }
}

#[cfg(feature = "papay")]
mod papay {
    use crate::paysign::PapaySignPage;
    use crate::v3::papay::{
        LegacyPreEntrustSign, PreEntrustSign, PreEntrustSignResponse,
        ScheduledDeductPreSignAppResponse, ScheduledDeductPreSignMiniProgramResponse,
    };

    impl PapaySignPage {
        /// The page of a mini-program pre-sign answer
        /// (`v3/papay/scheduled-deduct-sign/contracts/pre-entrust-sign/mini-program`), or `None`
        /// when the answer lacks one of its three parts.
        #[must_use]
        pub fn from_mini_program_answer(
            answer: &ScheduledDeductPreSignMiniProgramResponse,
        ) -> Option<Self> {
            Some(Self::mini_program(
                answer.redirect_appid.as_deref()?,
                answer.redirect_path.as_deref()?,
                answer.pre_entrustweb_id.as_deref()?,
            ))
        }

        /// The app page of a pre-sign answer (`v3/papay/sign/contracts/pre-entrust-sign`, APP
        /// scene), or `None` when it names no signing mini program (the QR-code scene: use
        /// [`PapaySignPage::from_redirect_url`] with its `redirect_url`).
        #[must_use]
        pub fn from_pre_entrust_sign_answer(answer: &PreEntrustSignResponse) -> Option<Self> {
            match (&answer.mini_program_username, &answer.mini_program_path) {
                (Some(user_name), Some(path)) => Some(Self::app(user_name, path)),
                _ => answer.redirect_url.as_deref().map(Self::from_redirect_url),
            }
        }

        /// The app page of an app scheduled-deduction pre-sign answer, or `None` when it names
        /// no signing mini program.
        #[must_use]
        pub fn from_scheduled_app_answer(
            answer: &ScheduledDeductPreSignAppResponse,
        ) -> Option<Self> {
            match (&answer.miniprogram_username, &answer.miniprogram_path) {
                (Some(user_name), Some(path)) => Some(Self::app(user_name, path)),
                _ => None,
            }
        }
    }

    /// The same pre-sign, sent to the path the seed document gives
    /// (`v3/papay/entrust-sign/contracts/pre-entrust-sign`).
    impl From<PreEntrustSign> for LegacyPreEntrustSign {
        fn from(request: PreEntrustSign) -> Self {
            LegacyPreEntrustSign {
                sign_scene: request.sign_scene,
                appid: request.appid,
                openid: request.openid,
                plan_id: request.plan_id,
                out_contract_code: request.out_contract_code,
                contract_display_account: request.contract_display_account,
                contract_notify_url: request.contract_notify_url,
                out_user_code: request.out_user_code,
                return_url: request.return_url,
                device_info: request.device_info,
            }
        }
    }
}

#[cfg(feature = "v2-papay")]
impl crate::v2::catalog::papay::QueryContractResponse {
    /// Whether the contract is in force (`contract_state` is `0`; `1` is terminated).
    #[must_use]
    pub fn is_signed(&self) -> bool {
        self.contract_state == Some(0)
    }
}
