// The words the shell shows before the element's core and its language's table are there: the
// button's and the hint's, per built-in language. Copies of the tables' own (test/browser/lazy-core.test.ts
// holds them equal), so that a page downloads no word table at load, in any language.
import type { BuiltInLanguage, OssUploadStrings } from '../locales/index.js';

export type ShellWords = Pick<OssUploadStrings, 'chooseFile' | 'chooseFiles' | 'chooseFolder' | 'dropHint' | 'dropHintOne'>;

export const SHELL_WORDS: Record<BuiltInLanguage, ShellWords> = {
  en: { chooseFile: 'Choose a file', chooseFiles: 'Choose files', chooseFolder: 'Choose a folder', dropHint: 'or drop them here', dropHintOne: 'or drop it here' },
  'zh-CN': { chooseFile: '选择文件', chooseFiles: '选择文件', chooseFolder: '选择文件夹', dropHint: '或将文件拖到此处', dropHintOne: '或将文件拖到此处' },
  'zh-TW': { chooseFile: '選擇檔案', chooseFiles: '選擇檔案', chooseFolder: '選擇資料夾', dropHint: '或將檔案拖曳到這裡', dropHintOne: '或將檔案拖曳到這裡' },
  ja: { chooseFile: 'ファイルを選択', chooseFiles: 'ファイルを選択', chooseFolder: 'フォルダーを選択', dropHint: 'またはここにドラッグ＆ドロップ', dropHintOne: 'またはここにドラッグ＆ドロップ' },
};
