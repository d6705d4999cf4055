module github.com/auditgate/auditgate

go 1.26.8
