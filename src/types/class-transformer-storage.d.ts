// class-transformer ships the declaration of its metadata storage under types/, not beside cjs/.
declare module 'class-transformer/cjs/storage' {
  export { defaultMetadataStorage } from 'class-transformer/types/storage';
}
