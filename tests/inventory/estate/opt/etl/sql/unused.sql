-- decoy: no job runs this file
INSERT INTO ops.decoy_unused SELECT * FROM mart.report_daily;
