package pain001_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/moov-io/iso20022/pkg/document"
	"github.com/moov-io/iso20022/pkg/pain_v10"

	"maksa"
	"maksa/internal/test/testgen"
)

// TestWriterAgainstMoov reads what the Writer produced with an independent
// parser, moov-io/iso20022 (which knows pain.001.001.10), and compares the
// transactions it finds. Amounts are not compared: moov holds them as float64.
func TestWriterAgainstMoov(t *testing.T) {
	spec := testgen.Spec{Count: 30, PerInfo: 10, Version: 10, MessageID: "MOOV-1", Seed: 3, Date: time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)}
	var buf bytes.Buffer
	if err := spec.WritePain001(&buf); err != nil {
		t.Fatal(err)
	}
	doc, err := document.ParseIso20022Document(buf.Bytes())
	if err != nil {
		t.Fatalf("moov-io/iso20022 cannot parse the written document: %v", err)
	}
	msg, ok := doc.InspectMessage().(*pain_v10.CustomerCreditTransferInitiationV10)
	if !ok {
		t.Fatalf("moov-io/iso20022 read a %T", doc.InspectMessage())
	}
	if string(msg.GrpHdr.MsgId) != "MOOV-1" || string(msg.GrpHdr.NbOfTxs) != "30" || len(msg.PmtInf) != 3 {
		t.Fatalf("moov read header %+v and %d PmtInf", msg.GrpHdr, len(msg.PmtInf))
	}
	var ids []string
	for _, info := range msg.PmtInf {
		for _, tx := range info.CdtTrfTxInf {
			ids = append(ids, string(tx.PmtId.EndToEndId)+"|"+string(tx.CdtrAcct.Id.IBAN)+"|"+string(*tx.Cdtr.Nm))
		}
	}
	i := 0
	spec.Payments(func(p *maksa.Payment) error {
		if want := p.EndToEndID + "|" + p.CreditorIBAN + "|" + p.CreditorName; i >= len(ids) || ids[i] != want {
			t.Errorf("transaction %d: moov read %q, want %q", i+1, ids[min(i, len(ids)-1)], want)
		}
		i++
		return nil
	})
}
