-- decoy: only a commented-out crontab line names this file
DROP SCHEMA mart CASCADE;
