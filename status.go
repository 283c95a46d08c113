package maksa

// Status is an ISO 20022 payment or group status code.
type Status string

// Statuses a batch or a payment goes through.
const (
	ACTC Status = "ACTC" // accepted technical validation (batch)
	PDNG Status = "PDNG" // pending: awaiting signatures
	ACCP Status = "ACCP" // accepted customer profile: fully signed, ready for execution
	ACSP Status = "ACSP" // accepted settlement in process
	ACSC Status = "ACSC" // accepted settlement completed: executed
	RJCT Status = "RJCT" // rejected
	CANC Status = "CANC" // cancelled
	PART Status = "PART" // partially accepted (batch)
)
