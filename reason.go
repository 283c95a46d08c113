package maksa

// Reason is an ISO 20022 ExternalStatusReason1Code: the code every rejection
// carries, in the pain.002 report, the CLI table and the JSON output alike.
type Reason string

// The reason codes maksa uses.
const (
	AC01 Reason = "AC01"
	AC02 Reason = "AC02"
	AC03 Reason = "AC03"
	AC04 Reason = "AC04"
	AC06 Reason = "AC06"
	AG03 Reason = "AG03"
	AG08 Reason = "AG08"
	AM01 Reason = "AM01"
	AM03 Reason = "AM03"
	AM04 Reason = "AM04"
	AM05 Reason = "AM05"
	AM10 Reason = "AM10"
	AM12 Reason = "AM12"
	AM14 Reason = "AM14"
	AM16 Reason = "AM16"
	AM17 Reason = "AM17"
	AM18 Reason = "AM18"
	AM19 Reason = "AM19"
	AM20 Reason = "AM20"
	AM21 Reason = "AM21"
	BE04 Reason = "BE04"
	BE09 Reason = "BE09"
	CH03 Reason = "CH03"
	CH04 Reason = "CH04"
	CH16 Reason = "CH16"
	DS02 Reason = "DS02"
	DS0C Reason = "DS0C"
	DS0D Reason = "DS0D"
	DS0E Reason = "DS0E"
	DS0H Reason = "DS0H"
	DS24 Reason = "DS24"
	DS26 Reason = "DS26"
	DT01 Reason = "DT01"
	DU01 Reason = "DU01"
	DU04 Reason = "DU04"
	FF01 Reason = "FF01"
	FF02 Reason = "FF02"
	NARR Reason = "NARR"
	RC01 Reason = "RC01"
	RR03 Reason = "RR03"
	RR05 Reason = "RR05"
	RR06 Reason = "RR06"
	RR07 Reason = "RR07"
	RR10 Reason = "RR10"
)

// ReasonInfo is the ISO 20022 name and description of a reason code.
type ReasonInfo struct {
	Name        string
	Description string
}

var reasons = map[Reason]ReasonInfo{
	AC01: {"IncorrectAccountNumber", "Account number is invalid or missing"},
	AC02: {"InvalidDebtorAccountNumber", "Debtor account number invalid or missing"},
	AC03: {"InvalidCreditorAccountNumber", "Creditor account number invalid or missing"},
	AC04: {"ClosedAccountNumber", "Account number specified has been closed on the bank of account's books"},
	AC06: {"BlockedAccount", "Account specified is blocked, prohibiting posting of transactions against it"},
	AG03: {"TransactionNotSupported", "Transaction type not supported/authorized on this account"},
	AG08: {"InvalidAccessRights", "Transaction failed due to invalid or missing user or access right"},
	AM01: {"ZeroAmount", "Specified message amount is equal to zero"},
	AM03: {"NotAllowedCurrency", "Specified message amount is in a non processable currency outside of existing agreement"},
	AM04: {"InsufficientFunds", "Amount of funds available to cover specified message amount is insufficient"},
	AM05: {"Duplication", "Duplication"},
	AM10: {"InvalidControlSum", "Sum of instructed amounts does not equal the control sum"},
	AM12: {"InvalidAmount", "Amount is invalid or missing"},
	AM14: {"AmountExceedsAgreedLimit", "Transaction amount exceeds limits agreed between bank and client"},
	AM16: {"InvalidGroupControlSum", "Control Sum at the Group level is invalid"},
	AM17: {"InvalidPaymentInfoControlSum", "Control Sum at the Payment Information level is invalid"},
	AM18: {"InvalidNumberOfTransactions", "Number of transactions is invalid or missing"},
	AM19: {"InvalidGroupNumberOfTransactions", "Number of transactions at the Group level is invalid or missing"},
	AM20: {"InvalidPaymentInfoNumberOfTransactions", "Number of transactions at the Payment Information level is invalid"},
	AM21: {"LimitExceeded", "Transaction amount exceeds limits set by clearing system"},
	BE04: {"MissingCreditorAddress", "Specification of creditor's address, which is required for payment, is missing/not correct"},
	BE09: {"InvalidCountry", "Country code provided is not a valid ISO code"},
	CH03: {"RequestedExecutionDateOrRequestedCollectionDateTooFarInFuture", "Value in Requested Execution Date or Requested Collection Date is too far in the future"},
	CH04: {"RequestedExecutionDateOrRequestedCollectionDateTooFarInPast", "Value in Requested Execution Date or Requested Collection Date is too far in the past"},
	CH16: {"ElementContentFormallyIncorrect", "Content is incorrect"},
	DS02: {"OrderCancelled", "An authorized user has cancelled the order"},
	DS0C: {"SignerCertificateRevoked", "The signer certificate is revoked"},
	DS0D: {"SignerCertificateNotValid", "The signer certificate is not valid (revoked or not active)"},
	DS0E: {"IncorrectSignerCertificate", "The signer certificate is not present"},
	DS0H: {"NotAllowedAccount", "Signer is not allowed to sign for this account"},
	DS24: {"WaitingTimeExpired", "Waiting time expired due to incomplete order"},
	DS26: {"NotAuthorised", "The user is not authorised to sign this order"},
	DT01: {"InvalidDate", "Invalid date (eg, wrong or missing settlement date)"},
	DU01: {"DuplicateMessageID", "Message Identification is not unique"},
	DU04: {"DuplicateEndToEndID", "End To End ID is not unique"},
	FF01: {"InvalidFileFormat", "File Format incomplete or invalid"},
	FF02: {"SyntaxError", "Syntax error reason is provided as narrative information in the additional reason information"},
	NARR: {"Narrative", "Reason is provided as narrative information in the additional reason information"},
	RC01: {"BankIdentifierIncorrect", "Bank identifier code specified in the message has an incorrect format"},
	RR03: {"MissingCreditorNameOrAddress", "Specification of the creditor's name and/or address needed for regulatory requirements is insufficient or missing"},
	RR05: {"RegulatoryInformationInvalid", "Regulatory or central bank reporting information missing, incomplete or invalid"},
	RR06: {"TaxInformationInvalid", "Tax information missing, incomplete or invalid"},
	RR07: {"RemittanceInformationInvalid", "Remittance information structure does not comply with rules for payment type"},
	RR10: {"InvalidCharacterSet", "Character set supplied not valid for the country and payment type"},
}

// Info returns the ISO 20022 name and description of the code.
func (r Reason) Info() ReasonInfo {
	if info, ok := reasons[r]; ok {
		return info
	}
	return ReasonInfo{Name: string(r)}
}
