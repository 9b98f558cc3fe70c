import { Component, CUSTOM_ELEMENTS_SCHEMA, signal } from '@angular/core';
import type { OssUploadSuccessEvent } from 'oss-upload';

@Component({
  selector: 'app-root',
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <form method="post" action="/api/posts">
      <label>Title <input name="title" value="Holiday" /></label>
      <oss-upload name="attachments" endpoint="/api/sign" required (oss-upload-success)="onSuccess($event)"></oss-upload>
      <p>Uploaded: <output>{{ key() }}</output></p>
      <button>Publish</button>
    </form>
  `,
})
export class App {
  key = signal('');

  onSuccess(event: OssUploadSuccessEvent) {
    this.key.set(event.detail.key);
  }
}
