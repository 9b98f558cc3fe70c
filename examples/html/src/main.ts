import 'oss-upload';

const uploaded = document.querySelector('#uploaded')!;
document.querySelector('oss-upload')!.addEventListener('oss-upload-success', (event) => {
  uploaded.textContent = event.detail.key;
});
