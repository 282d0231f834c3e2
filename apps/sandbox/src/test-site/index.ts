export { handbookPdf, HANDBOOK_FACT, returnsDocx, startTestSite, generatedPage, type TestSite } from './test-site';
export { makeDocx, makePdf, makeZip, type ZipEntry } from './documents';
