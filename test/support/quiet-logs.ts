import { quietTestLogs } from './test-log';

quietTestLogs();
