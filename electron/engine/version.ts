import pkg from '../../package.json';

/** Ferry's version, as released (from package.json). */
export const FERRY_VERSION: string = pkg.version;
export const PRODUCT: string = pkg.productName;
