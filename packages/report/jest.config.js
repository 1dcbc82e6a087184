export { default } from '@optimpact/jest-config';
